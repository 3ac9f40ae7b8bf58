using SrFace.Data;

namespace SrFace.Imaging;

/// <summary>A float image in planes: <c>[C, H, W]</c> row-major in <see cref="Pixels"/>, values in [0, 1].</summary>
/// <param name="Pixels">C x H x W values.</param>
/// <param name="Channels">C.</param>
/// <param name="Height">H.</param>
/// <param name="Width">W.</param>
public sealed record PlanarImage(float[] Pixels, int Channels, int Height, int Width);

/// <summary>
/// The kernels of <see cref="FacePreparer.PrepareManaged"/>: the face preprocessing of <see cref="FaceCropper"/> and
/// <see cref="ColorConversion"/> in managed code, with no libtorch call, for the training prefetch thread and for
/// runtimes that have no libtorch (ONNX Runtime): colour conversion, the centred square crop and
/// PyTorch's antialiased bicubic resize (<c>interpolate(mode: bicubic, align_corners: false, antialias: true)</c>,
/// i.e. PIL's filter with a = -0.5, its support widened by the shrink factor). Matches the TorchSharp path to float
/// rounding (about 1e-6; the test states the measured difference).
/// </summary>
public static class ManagedFacePreprocessing
{
    /// <summary>Reads an image file and converts it to <paramref name="color"/>.</summary>
    /// <param name="path">A JPEG, PNG or PGM file.</param>
    /// <param name="color">Colour mode (RGB replicates grey; grey is BT.601 luma; Source keeps the file's channels).</param>
    /// <param name="maxPixels">Pixel cap of the reader.</param>
    /// <returns>The image in planes.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidImageException">The file is not a readable JPEG/PNG/PGM.</exception>
    public static PlanarImage Read(string path, ColorMode color, long maxPixels = FaceImageReader.DefaultMaxPixels) =>
        InColor(new FaceImageReader(color, maxPixels).ReadPixels(path), color);

    /// <summary>Decodes an image held in memory (an upload) and converts it to <paramref name="color"/>, as <see cref="Read"/> reads a file.</summary>
    /// <param name="bytes">The encoded JPEG, PNG or PGM image.</param>
    /// <param name="source">Name of the image for messages.</param>
    /// <param name="color">Colour mode.</param>
    /// <param name="maxPixels">Pixel cap of the reader.</param>
    /// <returns>The image in planes.</returns>
    /// <exception cref="InvalidImageException">The bytes are not a readable JPEG/PNG/PGM, or above the pixel cap.</exception>
    public static PlanarImage Decode(byte[] bytes, string source, ColorMode color, long maxPixels = FaceImageReader.DefaultMaxPixels) =>
        InColor(new FaceImageReader(color, maxPixels).DecodePixels(bytes, source), color);

    private static PlanarImage InColor((float[] Pixels, int Channels, int Height, int Width) decoded, ColorMode color)
    {
        var (pixels, c, h, w) = decoded;
        var plane = h * w;
        if (color == ColorMode.Rgb && c == 1)
            return new PlanarImage([.. pixels, .. pixels, .. pixels], 3, h, w);
        if (color == ColorMode.Grey && c == 3)
        {
            var y = new float[plane];
            var luma = ColorConversion.Bt601Luma;
            for (var i = 0; i < plane; i++) y[i] = pixels[i] * luma[0] + pixels[plane + i] * luma[1] + pixels[2 * plane + i] * luma[2];
            return new PlanarImage(y, 1, h, w);
        }
        return new PlanarImage(pixels, c, h, w);
    }

    /// <summary>The image with <paramref name="border"/> pixels replicated from its edges on every side (PyTorch's
    /// <c>pad(mode="replicate")</c>, which the TorchSharp path uses).</summary>
    /// <param name="image">The image.</param>
    /// <param name="border">Pixels added on each side, &gt;= 0.</param>
    /// <returns>The image <c>[C, H + 2 border, W + 2 border]</c>.</returns>
    public static PlanarImage PadReplicate(PlanarImage image, int border)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegative(border);
        var (h, w) = (image.Height + 2 * border, image.Width + 2 * border);
        var output = new float[image.Channels * h * w];
        for (var c = 0; c < image.Channels; c++)
            for (var y = 0; y < h; y++)
            {
                var row = (c * image.Height + Math.Clamp(y - border, 0, image.Height - 1)) * image.Width;
                for (var x = 0; x < w; x++) output[(c * h + y) * w + x] = image.Pixels[row + Math.Clamp(x - border, 0, image.Width - 1)];
            }
        return new PlanarImage(output, image.Channels, h, w);
    }

    /// <summary>
    /// <see cref="FaceCropper.CropAndResize"/> in managed code: the centred square crop of
    /// <see cref="FacePreprocessing.CropSide"/>, resized to <paramref name="size"/> (antialiased bicubic), clamped to [0, 1].
    /// </summary>
    /// <param name="image">The image.</param>
    /// <param name="preprocessing">Crop fraction or pixels.</param>
    /// <param name="size">Output side in pixels, at least 1.</param>
    /// <param name="source">The file, for error messages.</param>
    /// <returns>The face, <c>[C, size, size]</c>.</returns>
    /// <exception cref="InvalidDataException">When the image is smaller than the crop.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="size"/> is below 1.</exception>
    public static PlanarImage CropAndResize(PlanarImage image, FacePreprocessing preprocessing, int size, string source)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentNullException.ThrowIfNull(preprocessing);
        var (top, left, side) = preprocessing.CropWindow(image.Height, image.Width, source);
        var output = new float[image.Channels * size * size];
        var crop = new float[side * side];
        for (var c = 0; c < image.Channels; c++)
        {
            var offset = c * image.Height * image.Width;
            for (var y = 0; y < side; y++)
                Array.Copy(image.Pixels, offset + (top + y) * image.Width + left, crop, y * side, side);
            var resized = side == size ? crop : ResizeAntialiased(crop, side, side, size, size);
            for (var i = 0; i < size * size; i++) output[c * size * size + i] = Math.Clamp(resized[i], 0f, 1f);
        }
        return new PlanarImage(output, image.Channels, size, size);
    }

    /// <summary>
    /// PyTorch's antialiased bicubic resize of one plane (separable: rows, then columns): for output index i,
    /// centre = scale (i + 0.5) with scale = in / out, support 2 max(scale, 1), taps from
    /// trunc(centre - support + 0.5) to trunc(centre + support + 0.5) clipped to the image, weights
    /// cubic((j - centre + 0.5) / max(scale, 1)) with a = -0.5, normalised to sum 1. Not clamped.
    /// </summary>
    /// <param name="plane">H x W values, row-major.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="outHeight">Output height.</param>
    /// <param name="outWidth">Output width.</param>
    /// <returns>outHeight x outWidth values.</returns>
    public static float[] ResizeAntialiased(float[] plane, int height, int width, int outHeight, int outWidth) =>
        Resize(plane, height, width, Weights(width, outWidth, Cubic, 2), Weights(height, outHeight, Cubic, 2));

    /// <summary>
    /// PyTorch's antialiased bilinear resize of one plane (<c>interpolate(mode: bilinear, align_corners: false,
    /// antialias: true)</c>): as <see cref="ResizeAntialiased"/> with the triangle filter and support max(scale, 1)
    /// (the detector's downscaling of very large photos).
    /// </summary>
    /// <param name="plane">H x W values, row-major.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="outHeight">Output height.</param>
    /// <param name="outWidth">Output width.</param>
    /// <returns>outHeight x outWidth values.</returns>
    public static float[] ResizeAntialiasedBilinear(float[] plane, int height, int width, int outHeight, int outWidth) =>
        Resize(plane, height, width, Weights(width, outWidth, Triangle, 1), Weights(height, outHeight, Triangle, 1));

    private static float[] Resize(float[] plane, int height, int width, (int[] Start, float[][] Weights) horizontal, (int[] Start, float[][] Weights) vertical)
    {
        ArgumentNullException.ThrowIfNull(plane);
        var ((xStart, xWeights), (yStart, yWeights)) = (horizontal, vertical);
        var outWidth = xStart.Length;
        var outHeight = yStart.Length;
        var rows = new float[height * outWidth];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < outWidth; x++)
            {
                float sum = 0;
                var w = xWeights[x];
                for (var k = 0; k < w.Length; k++) sum += plane[y * width + xStart[x] + k] * w[k];
                rows[y * outWidth + x] = sum;
            }
        var output = new float[outHeight * outWidth];
        for (var y = 0; y < outHeight; y++)
        {
            var w = yWeights[y];
            for (var x = 0; x < outWidth; x++)
            {
                float sum = 0;
                for (var k = 0; k < w.Length; k++) sum += rows[(yStart[y] + k) * outWidth + x] * w[k];
                output[y * outWidth + x] = sum;
            }
        }
        return output;
    }

    /// <summary>The resize of <see cref="ResizeAntialiased"/> along one axis as a dense matrix <c>[output, input]</c> (row-major).</summary>
    /// <param name="input">Input length, at least 1.</param>
    /// <param name="output">Output length, at least 1.</param>
    /// <returns>output x input weights; each row sums to 1.</returns>
    public static float[] AntialiasedResizeMatrix(int input, int output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(input, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(output, 1);
        var (start, weights) = Weights(input, output, Cubic, 2);
        var matrix = new float[output * input];
        for (var i = 0; i < output; i++)
            for (var k = 0; k < weights[i].Length; k++) matrix[i * input + start[i] + k] = weights[i][k];
        return matrix;
    }

    /// <summary>PyTorch's antialiased taps: support halfWidth x max(scale, 1), filter arguments divided by max(scale, 1).</summary>
    private static (int[] Start, float[][] Weights) Weights(int input, int output, Func<double, double> filter, double halfWidth)
    {
        var scale = (double)input / output;
        var support = halfWidth * Math.Max(scale, 1.0);
        var invScale = scale >= 1.0 ? 1.0 / scale : 1.0;
        var starts = new int[output];
        var weights = new float[output][];
        for (var i = 0; i < output; i++)
        {
            var centre = scale * (i + 0.5);
            var min = Math.Max((int)(centre - support + 0.5), 0);
            var count = Math.Min((int)(centre + support + 0.5), input) - min;
            var w = new double[count];
            double total = 0;
            for (var j = 0; j < count; j++) total += w[j] = filter((j + min - centre + 0.5) * invScale);
            starts[i] = min;
            weights[i] = w.Select(v => (float)(total != 0 ? v / total : v)).ToArray();
        }
        return (starts, weights);
    }

    private static double Triangle(double x) => Math.Max(0, 1 - Math.Abs(x));

    private static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }
}
