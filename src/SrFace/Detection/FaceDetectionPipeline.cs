namespace SrFace.Detection;

/// <summary>The tiny detector's raw output for one image and the face-api "reshaped dimensions" of its input.</summary>
/// <param name="Logits">The logits <c>[25, G, G]</c> row-major: channel 5a + (tx, ty, tw, th, to) for anchor a.</param>
/// <param name="Grid">G = S / 32.</param>
/// <param name="ReshapedWidth">round(W s), s = S / max(W, H): the image's width inside the padded input, pixels.</param>
/// <param name="ReshapedHeight">round(H s), pixels.</param>
public sealed record TinyNetOutput(float[] Logits, int Grid, int ReshapedWidth, int ReshapedHeight);

/// <summary>The SSD's raw output for one image (boxes decoded against the priors, not clipped) and the reshaped dimensions.</summary>
/// <param name="Boxes"><c>[5118, 4]</c> row-major (ymin, xmin, ymax, xmax) relative to the 512 input square.</param>
/// <param name="Scores"><c>[5118]</c> face scores in (0, 1).</param>
/// <param name="ReshapedWidth">round(W 512 / max(W, H)), pixels.</param>
/// <param name="ReshapedHeight">round(H 512 / max(W, H)), pixels.</param>
public sealed record SsdNetOutput(float[] Boxes, float[] Scores, int ReshapedWidth, int ReshapedHeight);

/// <summary>
/// The steps of <see cref="FaceDetectionPipeline.Detect{TImage}"/> that touch pixels or run a network, on one image
/// type: TorchSharp tensors (<see cref="FaceDetector"/>) or managed planes run in ONNX Runtime
/// (<see cref="Export.OnnxFaceDetector"/>). Everything else (which detector, box decoding, NMS, landmark mapping, the
/// scale back to the photo) is the pipeline's, written once.
/// </summary>
/// <typeparam name="TImage">An RGB image <c>[3, H, W]</c> in [0, 1].</typeparam>
public interface IFaceDetectionNetworks<TImage>
{
    /// <summary>Height and width of an image, pixels.</summary>
    /// <param name="image">The image.</param>
    (int Height, int Width) SizeOf(TImage image);

    /// <summary>The image downscaled for detection (PyTorch's antialiased bilinear resize, <c>align_corners = false</c>).</summary>
    /// <param name="image">The image.</param>
    /// <param name="height">Output height, pixels.</param>
    /// <param name="width">Output width, pixels.</param>
    TImage Downscale(TImage image, int height, int width);

    /// <summary>The tiny detector on the image zero-padded at the bottom/right to a square and resized to S (TF's legacy bilinear resize).</summary>
    /// <param name="image">The image.</param>
    /// <param name="inputSize">S, a multiple of 32.</param>
    TinyNetOutput RunTiny(TImage image, int inputSize);

    /// <summary>The SSD on the image zero-padded at the bottom/right to a square and resized to 512.</summary>
    /// <param name="image">The image.</param>
    SsdNetOutput RunSsd(TImage image);

    /// <summary>The landmark net on pixel regions of the image, each zero-padded centred to a square and resized to 112.</summary>
    /// <param name="image">The image.</param>
    /// <param name="crops">Non-empty whole-pixel regions inside the image (<see cref="FaceBox.ClipToPixels"/>).</param>
    /// <returns><c>[k, 136]</c> row-major, relative to the 112 input (x0, y0, x1, ...).</returns>
    float[] RunLandmarks(TImage image, IReadOnlyList<(int X, int Y, int Width, int Height)> crops);
}

/// <summary>
/// face-api's detection flow on any <see cref="IFaceDetectionNetworks{TImage}"/>: downscale very large photos, the tiny
/// detector, then the SSD when it finds nothing, then the tiny detector at a large input; 68 landmarks per face large
/// enough; the five alignment points; everything mapped back to original-image pixels.
/// </summary>
public static class FaceDetectionPipeline
{
    /// <summary>Detects every face in a photo, with landmarks.</summary>
    /// <typeparam name="TImage">The backend's image type.</typeparam>
    /// <param name="networks">The backend.</param>
    /// <param name="image">RGB photo <c>[3, H, W]</c> in [0, 1], upright.</param>
    /// <param name="options">Detector options (validated by the caller).</param>
    /// <returns>The faces, largest box first (detector order kept), in original-image pixels.</returns>
    public static FaceDetectionResult Detect<TImage>(IFaceDetectionNetworks<TImage> networks, TImage image, FaceDetectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(networks);
        ArgumentNullException.ThrowIfNull(options);
        var (h, w) = networks.SizeOf(image);
        var scale = Math.Min(1.0, (double)options.MaxDetectionSide / Math.Max(h, w));
        var work = scale < 1
            ? networks.Downscale(image, (int)Math.Max(1L, (long)Math.Round(h * scale)), (int)Math.Max(1L, (long)Math.Round(w * scale)))
            : image;
        var (workH, workW) = networks.SizeOf(work);
        // Per-axis factors from detection back to original pixels (the downscaled sides are rounded).
        var (fx, fy) = ((double)w / workW, (double)h / workH);
        var (kind, detections) = RunDetectors(networks, work, workH, workW, options);
        var landmarkRegions = detections.Where(d => d.Box.Side >= options.MinLandmarkBoxSide).Select(d => d.Box).ToList();
        var points = Landmarks(workH, workW, landmarkRegions, crops => networks.RunLandmarks(work, crops));
        var faces = new List<DetectedFace>();
        var k = 0;
        foreach (var d in detections)
        {
            var lm = d.Box.Side >= options.MinLandmarkBoxSide ? points[k++] : null;
            var box = d.Box.Scale(fx, fy);
            var lmOriginal = lm?.Select(p => new PointF2(p.X * fx, p.Y * fy)).ToArray();
            var five = lmOriginal is null ? null : FivePointLandmarks.From68(lmOriginal);
            faces.Add(new DetectedFace(box, d.Score, kind, lmOriginal, five, new FaceSize(five?.InterOcularDistance, box.Side)));
        }
        return new FaceDetectionResult(faces, w, h, scale);
    }

    /// <summary>
    /// 68 landmarks per region (face-api's crop: the region clipped and floored to whole pixels; null when empty),
    /// mapped back as face-api's <c>postProcess</c> (<see cref="FaceLandmark68Net"/>).
    /// </summary>
    /// <param name="imageHeight">Height H of the image the regions are in, pixels.</param>
    /// <param name="imageWidth">Width W, pixels.</param>
    /// <param name="regions">Face boxes in the image's pixels.</param>
    /// <param name="run">The landmark net on whole-pixel crops (<see cref="IFaceDetectionNetworks{TImage}.RunLandmarks"/>).</param>
    /// <returns>Per region: 68 points in image pixels, or null.</returns>
    public static IReadOnlyList<PointF2[]?> Landmarks(int imageHeight, int imageWidth, IReadOnlyList<FaceBox> regions,
        Func<IReadOnlyList<(int X, int Y, int Width, int Height)>, float[]> run)
    {
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentNullException.ThrowIfNull(run);
        var results = new PointF2[]?[regions.Count];
        var (h, w) = (imageHeight, imageWidth);
        var crops = regions.Select(r => r.ClipToPixels(w, h)).ToArray();
        var valid = Enumerable.Range(0, regions.Count).Where(i => crops[i].Width > 0 && crops[i].Height > 0).ToArray();
        if (valid.Length == 0) return results;
        var output = run(valid.Select(i => crops[i]).ToArray());
        const int size = FaceLandmark68Net.InputSize;
        for (var k = 0; k < valid.Length; k++)
        {
            var c = crops[valid[k]];
            var s = (double)size / Math.Max(c.Width, c.Height);
            var (sw, sh) = (c.Width * s, c.Height * s);
            var padX = sw < sh ? Math.Abs(sw - sh) / 2 : 0;
            var padY = sh < sw ? Math.Abs(sw - sh) / 2 : 0;
            var points = new PointF2[68];
            for (var j = 0; j < 68; j++)
            {
                var relX = (output[k * 136 + 2 * j] * size - padX) / sw;
                var relY = (output[k * 136 + 2 * j + 1] * size - padY) / sh;
                points[j] = new PointF2(c.X + relX * c.Width, c.Y + relY * c.Height);
            }
            results[valid[k]] = points;
        }
        return results;
    }

    private static (FaceDetectorKind, IReadOnlyList<FaceDetection>) RunDetectors<TImage>(IFaceDetectionNetworks<TImage> networks, TImage image, int h, int w, FaceDetectorOptions options)
    {
        var found = TinyFaceDetector.Decode(networks.RunTiny(image, options.Tiny.InputSize), w, h, options.Tiny);
        if (found.Count > 0) return (FaceDetectorKind.Tiny, found);
        found = SsdMobilenetV1.Decode(networks.RunSsd(image), w, h, options.Ssd);
        if (found.Count > 0) return (FaceDetectorKind.Ssd, found);
        var longer = Math.Max(h, w);
        if (options.TinyLargeInputSize > options.Tiny.InputSize && longer > 1.5 * options.Tiny.InputSize)
        {
            var large = options.Tiny with { InputSize = options.TinyLargeInputSize };
            found = TinyFaceDetector.Decode(networks.RunTiny(image, large.InputSize), w, h, large);
            if (found.Count > 0) return (FaceDetectorKind.TinyLarge, found);
        }
        return (FaceDetectorKind.Tiny, []);
    }
}
