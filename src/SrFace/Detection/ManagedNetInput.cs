using SrFace.Imaging;

namespace SrFace.Detection;

/// <summary>
/// face-api's network input (<see cref="NetInput"/>) in managed code, with no libtorch call, for the ONNX Runtime
/// detector: a region of the image zero-padded to a square (at the bottom/right for the detectors, centred for the
/// landmark net) and resized with TF's legacy bilinear resize, using the same taps as the TorchSharp resize
/// (<see cref="TfOps.LegacyBilinearTaps"/>) and the same order of float32 operations (rows, then columns).
/// </summary>
public static class ManagedNetInput
{
    /// <summary>The whole image padded at the bottom/right to a square and resized (the detectors' input).</summary>
    /// <param name="image">RGB image <c>[3, H, W]</c> in [0, 1].</param>
    /// <param name="size">Network input side S.</param>
    /// <returns><c>[1, 3, S, S]</c> row-major, and face-api's reshaped dimensions round(W s), round(H s), s = S / max(W, H).</returns>
    /// <exception cref="ArgumentException">When the image is not RGB.</exception>
    public static (float[] Batch, int ReshapedWidth, int ReshapedHeight) ToBatch(PlanarImage image, int size)
    {
        CheckImage(image);
        var side = Math.Max(image.Height, image.Width);
        var batch = Resize(image, (0, 0, image.Width, image.Height), 0, 0, side, size);
        var scale = (double)size / side;
        return (batch, (int)Math.Round(image.Width * scale, MidpointRounding.AwayFromZero), (int)Math.Round(image.Height * scale, MidpointRounding.AwayFromZero));
    }

    /// <summary>A pixel region zero-padded centred to a square (round(d / 2) after, the rest before) and resized (the landmark net's input).</summary>
    /// <param name="image">RGB image <c>[3, H, W]</c> in [0, 1].</param>
    /// <param name="crop">A non-empty whole-pixel region inside the image.</param>
    /// <param name="size">Network input side (112).</param>
    /// <returns><c>[3, size, size]</c> row-major.</returns>
    /// <exception cref="ArgumentException">When the image is not RGB.</exception>
    public static float[] CropToInput(PlanarImage image, (int X, int Y, int Width, int Height) crop, int size)
    {
        CheckImage(image);
        var side = Math.Max(crop.Width, crop.Height);
        var diff = side - Math.Min(crop.Width, crop.Height);
        var before = diff - (int)Math.Floor(diff * 0.5 + 0.5);     // TfOps.PadToSquare(centre: true)
        return Resize(image, crop, crop.Height < side ? before : 0, crop.Width < side ? before : 0, side, size);
    }

    /// <summary>The image downscaled with PyTorch's antialiased bilinear resize (<see cref="IFaceDetectionNetworks{TImage}.Downscale"/>).</summary>
    /// <param name="image">The image.</param>
    /// <param name="height">Output height.</param>
    /// <param name="width">Output width.</param>
    /// <returns>The resized image.</returns>
    public static PlanarImage Downscale(PlanarImage image, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(image);
        var plane = image.Height * image.Width;
        var output = new float[image.Channels * height * width];
        for (var c = 0; c < image.Channels; c++)
        {
            var resized = ManagedFacePreprocessing.ResizeAntialiasedBilinear(image.Pixels[(c * plane)..((c + 1) * plane)], image.Height, image.Width, height, width);
            Array.Copy(resized, 0, output, c * height * width, resized.Length);
        }
        return new PlanarImage(output, image.Channels, height, width);
    }

    /// <summary>Resizes the region, placed at (padTop, padLeft) in a zero square of <paramref name="side"/>, to size x size.</summary>
    private static float[] Resize(PlanarImage image, (int X, int Y, int Width, int Height) region, int padTop, int padLeft, int side, int size)
    {
        var (rLo, rHi, rWLo, rWHi) = TfOps.LegacyBilinearTaps(side, padTop, region.Height, size);
        var (cLo, cHi, cWLo, cWHi) = TfOps.LegacyBilinearTaps(side, padLeft, region.Width, size);
        var output = new float[3 * size * size];
        var rows = new float[size * region.Width];
        for (var c = 0; c < 3; c++)
        {
            var offset = c * image.Height * image.Width + region.Y * image.Width + region.X;
            for (var i = 0; i < size; i++)
            {
                var (a, b) = (offset + rLo[i] * image.Width, offset + rHi[i] * image.Width);
                for (var x = 0; x < region.Width; x++)
                    rows[i * region.Width + x] = image.Pixels[a + x] * rWLo[i] + image.Pixels[b + x] * rWHi[i];
            }
            var o = c * size * size;
            for (var i = 0; i < size; i++)
                for (var j = 0; j < size; j++)
                    output[o + i * size + j] = rows[i * region.Width + cLo[j]] * cWLo[j] + rows[i * region.Width + cHi[j]] * cWHi[j];
        }
        return output;
    }

    private static void CheckImage(PlanarImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels != 3 || image.Height < 1 || image.Width < 1)
            throw new ArgumentException($"Expected an RGB image [3, H, W]; got [{image.Channels}, {image.Height}, {image.Width}].", nameof(image));
    }
}
