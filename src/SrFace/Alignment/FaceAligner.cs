using SrFace.Data;
using SrFace.Detection;
using SrFace.Runtime;
using static TorchSharp.torch;

namespace SrFace.FaceAlignment;

/// <summary>
/// Warps faces to a recogniser's template: the least-squares similarity transform (Umeyama 1991) from the face's
/// landmarks to the template's points, then bilinear sampling (libtorch <c>grid_sample</c>, zeros outside the image)
/// of the <c>S x S</c> output, so rotation is corrected, not only cropped. Faces without landmarks fall back to a
/// square around the detector box (<see cref="AlignmentTemplate.BoxScale"/>); a centred-crop template ignores the face.
/// </summary>
/// <remarks>
/// Coordinates: landmarks and boxes are continuous image coordinates (pixel i covers [i, i + 1)); template points use
/// pixel centres at integers (dlib, OpenCV); the aligner converts between them (a half-pixel shift). Stateless and
/// thread-safe; every call disposes its intermediate tensors.
/// </remarks>
public static class FaceAligner
{
    /// <summary>Aligns one detected face.</summary>
    /// <param name="image">RGB image <c>[3, H, W]</c> (or grey <c>[1, H, W]</c>), float in [0, 1]; not disposed.</param>
    /// <param name="face">A face of <paramref name="image"/> (its landmarks, or its box when it has none).</param>
    /// <param name="template">Target template.</param>
    /// <param name="size">Output side S in pixels, &gt;= 1 (the recogniser's input size).</param>
    /// <returns><c>[C, S, S]</c> float32 in [0, 1].</returns>
    /// <exception cref="ArgumentException">When the image is not <c>[C, H, W]</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="size"/> &lt; 1.</exception>
    public static Tensor Align(Tensor image, DetectedFace face, AlignmentTemplate template, int size)
    {
        using var batch = AlignMany(image, [face], template, size);
        return batch[0].clone();
    }

    /// <summary>Aligns from 68 landmarks given directly.</summary>
    /// <param name="image">Image <c>[C, H, W]</c>, float in [0, 1]; not disposed.</param>
    /// <param name="landmarks68">68 landmarks in image pixels (continuous coordinates).</param>
    /// <param name="template">Target template (landmark-based or centred crop).</param>
    /// <param name="size">Output side S in pixels, &gt;= 1.</param>
    /// <returns><c>[C, S, S]</c> float32 in [0, 1].</returns>
    /// <exception cref="ArgumentException">When the image is not <c>[C, H, W]</c> or there are not 68 landmarks.</exception>
    public static Tensor Align(Tensor image, IReadOnlyList<PointF2> landmarks68, AlignmentTemplate template, int size)
    {
        if (template.Kind == AlignmentKind.CentredCrop) return CentredCrop(image, template, size);
        var transform = Estimate(landmarks68, template, size);
        using var batch = Warp(image, [transform], size);
        return batch[0].clone();
    }

    /// <summary>Aligns several faces of one image in one sampling call (the timing-friendly form).</summary>
    /// <param name="image">Image <c>[C, H, W]</c>, float in [0, 1]; not disposed.</param>
    /// <param name="faces">Faces of <paramref name="image"/>.</param>
    /// <param name="template">Target template.</param>
    /// <param name="size">Output side S in pixels, &gt;= 1.</param>
    /// <returns><c>[N, C, S, S]</c> float32 in [0, 1], N = number of faces (0 gives an empty batch).</returns>
    /// <exception cref="ArgumentException">When the image is not <c>[C, H, W]</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="size"/> &lt; 1.</exception>
    public static Tensor AlignMany(Tensor image, IReadOnlyList<DetectedFace> faces, AlignmentTemplate template, int size)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(template);
        CheckImage(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (template.Kind == AlignmentKind.CentredCrop)
        {
            using var scope = NewDisposeScope();
            var one = CentredCrop(image, template, size);
            return one.unsqueeze(0).expand(faces.Count, -1, -1, -1).contiguous().MoveToOuterDisposeScope();
        }
        var transforms = faces.Select(f => f.Landmarks68 is null ? FromBox(f.Box, template, size) : Estimate(f.Landmarks68, template, size)).ToList();
        return Warp(image, transforms, size);
    }

    /// <summary>
    /// The transform from output pixels (integer pixel centres, S x S chip) to image pixels (integer pixel centres):
    /// fitted from the template's points to the chosen landmarks, or, for a <see cref="AlignmentKind.LandmarkBox"/>
    /// template, the scale and shift that map the chip onto the landmarks' upright square.
    /// </summary>
    /// <param name="landmarks68">68 landmarks in image pixels (continuous coordinates).</param>
    /// <param name="template">A landmark template.</param>
    /// <param name="size">Output side S in pixels.</param>
    /// <exception cref="InvalidOperationException">For a centred-crop template.</exception>
    /// <exception cref="ArgumentException">When there are not 68 landmarks.</exception>
    public static SimilarityTransform Estimate(IReadOnlyList<PointF2> landmarks68, AlignmentTemplate template, int size)
    {
        ArgumentNullException.ThrowIfNull(template);
        var selected = template.SelectLandmarks(landmarks68);
        if (template.Kind == AlignmentKind.LandmarkBox)
        {
            var (x, y, side) = template.Box!.Square(selected);
            return FromSquare(x, y, side, size);
        }
        var targets = selected.Select(p => new PointF2(p.X - 0.5, p.Y - 0.5)).ToList();
        return SimilarityTransform.Estimate(template.PointsFor(size), targets);
    }

    /// <summary>Output-to-image transform of the no-landmark fallback: the chip covers a square of side BoxScale x box side centred on the box.</summary>
    /// <param name="box">Detector box in image pixels.</param>
    /// <param name="template">Template (its <see cref="AlignmentTemplate.BoxScale"/>).</param>
    /// <param name="size">Output side S in pixels.</param>
    public static SimilarityTransform FromBox(FaceBox box, AlignmentTemplate template, int size)
    {
        var side = Math.Max(box.Side, 1e-6) * template.BoxScale;
        var (cx, cy) = (box.X + box.Width / 2, box.Y + box.Height / 2);
        return FromSquare(cx - side / 2, cy - side / 2, side, size);
    }

    /// <summary>Output-to-image transform of an upright square: the S x S chip covers [x, x + side) x [y, y + side) (continuous image coordinates).</summary>
    private static SimilarityTransform FromSquare(double x, double y, double side, int size)
    {
        var s = side / size;
        // output pixel centre u (0..S-1) -> continuous (u + 0.5) s + x -> integer-centre minus 0.5
        return new SimilarityTransform(s, 0, x + 0.5 * s - 0.5, y + 0.5 * s - 0.5);
    }

    /// <summary>Samples <c>[N, C, S, S]</c> from the image through output-to-image transforms (bilinear, zeros outside).</summary>
    /// <param name="image">Image <c>[C, H, W]</c>, float in [0, 1]; not disposed.</param>
    /// <param name="outputToImage">Per face: output pixel (integer centres) to image pixel (integer centres).</param>
    /// <param name="size">Output side S.</param>
    /// <returns><c>[N, C, S, S]</c> float32.</returns>
    public static Tensor Warp(Tensor image, IReadOnlyList<SimilarityTransform> outputToImage, int size)
    {
        CheckImage(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var (c, h, w) = (image.shape[0], image.shape[1], image.shape[2]);
        var n = outputToImage.Count;
        if (n == 0) return zeros(0, c, size, size);
        var grid = SamplingGrid(outputToImage, size, (int)h, (int)w);
        using var scope = NewDisposeScope();
        var g = tensor(grid, [n, size, size, 2]);
        var input = image.to(float32).unsqueeze(0).expand(n, -1, -1, -1);
        var sampled = nn.functional.grid_sample(input, g, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
        return SafeScalars.Clamp_(sampled.contiguous()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The sampling grid of <see cref="Warp"/> for libtorch's <c>grid_sample</c> or ONNX GridSample (opset 16;
    /// bilinear, zeros, <c>align_corners = 0</c>): per face and output pixel (u, v) the image point
    /// <c>T(u, v)</c>, normalised as <c>2 (x + 0.5) / W - 1</c>, <c>2 (y + 0.5) / H - 1</c>.
    /// </summary>
    /// <param name="outputToImage">Per face: output pixel (integer centres) to image pixel (integer centres).</param>
    /// <param name="size">Output side S.</param>
    /// <param name="height">Image height H, pixels.</param>
    /// <param name="width">Image width W, pixels.</param>
    /// <returns><c>[N, S, S, 2]</c> row-major (x, y) in [-1, 1] inside the image.</returns>
    public static float[] SamplingGrid(IReadOnlyList<SimilarityTransform> outputToImage, int size, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(outputToImage);
        var n = outputToImage.Count;
        var grid = new float[n * size * size * 2];
        for (var k = 0; k < n; k++)
        {
            var t = outputToImage[k];
            for (var v = 0; v < size; v++)
                for (var u = 0; u < size; u++)
                {
                    var p = t.Apply(new PointF2(u, v));
                    var o = ((k * size + v) * size + u) * 2;
                    // integer-centre x -> continuous x + 0.5 -> normalised (align_corners = false): 2 (x + 0.5) / W - 1
                    grid[o] = (float)(2 * (p.X + 0.5) / width - 1);
                    grid[o + 1] = (float)(2 * (p.Y + 0.5) / height - 1);
                }
        }
        return grid;
    }

    private static Tensor CentredCrop(Tensor image, AlignmentTemplate template, int size) =>
        FaceCropper.CropAndResize(image, new FacePreprocessing(size, template.CropFraction), "image");

    private static void CheckImage(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.dim() != 3 || image.shape[1] < 1 || image.shape[2] < 1 || !image.is_floating_point())
            throw new ArgumentException($"Expected an image [C, H, W] of floats in [0, 1]; got {image.dtype} [{string.Join(", ", image.shape)}].", nameof(image));
    }
}
