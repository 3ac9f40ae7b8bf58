using static TorchSharp.torch;

namespace SrFace.Evaluation;

/// <summary>
/// PSNR and SSIM of super-resolved images against their high-resolution references, following BasicSR's
/// <c>calculate_psnr</c> / <c>calculate_ssim</c> (<c>basicsr/metrics/psnr_ssim.py</c>): float64, <c>border</c>
/// pixels cropped at each edge, optional Y channel by ITU-R BT.601, values on the 0-255 scale.
/// </summary>
/// <remarks>
/// <para>Inputs: tensors <c>[C, H, W]</c> or <c>[N, C, H, W]</c>, any float dtype and device, RGB in [0, 1]. Values are
/// used as given: clamp SR output to [0, 1] first. Unlike BasicSR's image pipeline (<c>tensor2img</c>) nothing is
/// rounded to 8 bits, so results differ from BasicSR's by the quantisation error only.</para>
/// <para>Y channel (<c>yChannel: true</c>): <c>Y = 16 + 65.481 R + 128.553 G + 24.966 B</c> on
/// [0, 1] inputs, in [16, 235] (MATLAB <c>rgb2ycbcr</c>, BasicSR <c>rgb2ycbcr(y_only=True)</c>). RGB: each channel
/// times 255.</para>
/// <para>PSNR = <c>10 log10(255^2 / MSE)</c>: data range 255 on either scale (for RGB the same as data range 1 on
/// [0, 1]). Identical images give <see cref="double.PositiveInfinity"/> (BasicSR's numpy <c>calculate_psnr</c>; its
/// torch version adds 1e-8 instead). For a batch the per-image values are averaged (an infinite one makes the mean
/// infinite).</para>
/// <para>SSIM: Wang et al., "Image quality assessment: from error visibility to structural similarity", IEEE TIP
/// 2004; Gaussian window 11 x 11, sigma 1.5, K1 = 0.01, K2 = 0.03 at L = 255, 'valid' filtering (the map is
/// (H-10) x (W-10)), averaged over the map and then over channels.</para>
/// </remarks>
public static class ImageQualityMetrics
{
    /// <summary>BT.601 weights of R, G, B for Y on [0, 1] inputs (sum 219, the nominal range 16..235).</summary>
    internal static readonly double[] YWeights = [65.481, 128.553, 24.966];

    /// <summary>Mean PSNR in dB over the images of a batch (or of the single image).</summary>
    /// <param name="output">SR output, <c>[C, H, W]</c> or <c>[N, C, H, W]</c>, RGB in [0, 1]. Not disposed.</param>
    /// <param name="reference">High-resolution reference of the same shape. Not disposed.</param>
    /// <param name="border">Pixels cropped at each edge before measuring (BasicSR <c>crop_border</c>, usually the SR scale).</param>
    /// <param name="yChannel">Measure on the BT.601 Y channel (needs C = 3) instead of all channels.</param>
    /// <returns>PSNR in dB; <see cref="double.PositiveInfinity"/> when the cropped images are identical.</returns>
    /// <exception cref="ArgumentException">On shape mismatch, wrong rank, C != 3 with <paramref name="yChannel"/>, or a border that crops everything.</exception>
    public static double Psnr(Tensor output, Tensor reference, int border = 0, bool yChannel = false) =>
        PsnrPerImage(output, reference, border, yChannel).Average();

    /// <summary>PSNR in dB of each image of a batch; see <see cref="Psnr"/> for arguments and conventions.</summary>
    /// <param name="output">SR output, <c>[C, H, W]</c> or <c>[N, C, H, W]</c>, RGB in [0, 1].</param>
    /// <param name="reference">Reference of the same shape.</param>
    /// <param name="border">Pixels cropped at each edge.</param>
    /// <param name="yChannel">Measure on the BT.601 Y channel.</param>
    /// <returns>One PSNR per image (length N, or 1 for a 3-D input).</returns>
    /// <exception cref="ArgumentException">As for <see cref="Psnr"/>.</exception>
    public static double[] PsnrPerImage(Tensor output, Tensor reference, int border = 0, bool yChannel = false)
    {
        var (a, b) = (Planes(output, reference, border, yChannel), Planes(reference, output, border, yChannel));
        var result = new double[a.Length];
        for (var n = 0; n < a.Length; n++)
        {
            double sum = 0; long count = 0;
            for (var c = 0; c < a[n].Length; c++)
                for (var i = 0; i < a[n][c].Length; i++, count++)
                {
                    var d = a[n][c][i] - b[n][c][i];
                    sum += d * d;
                }
            var mse = sum / count;
            result[n] = mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);
        }
        return result;
    }

    /// <summary>Mean SSIM over the images of a batch (or of the single image), in [-1, 1]; 1 for identical images.</summary>
    /// <param name="output">SR output, <c>[C, H, W]</c> or <c>[N, C, H, W]</c>, RGB in [0, 1]. Not disposed.</param>
    /// <param name="reference">Reference of the same shape. Not disposed.</param>
    /// <param name="border">Pixels cropped at each edge; at least 11 x 11 pixels must remain.</param>
    /// <param name="yChannel">Measure on the BT.601 Y channel (needs C = 3).</param>
    /// <returns>SSIM averaged over the map, the channels and the images.</returns>
    /// <exception cref="ArgumentException">As for <see cref="Psnr"/>, or when fewer than 11 x 11 pixels remain.</exception>
    public static double Ssim(Tensor output, Tensor reference, int border = 0, bool yChannel = false) =>
        SsimPerImage(output, reference, border, yChannel).Average();

    /// <summary>SSIM of each image of a batch; see <see cref="Ssim"/>.</summary>
    /// <param name="output">SR output, <c>[C, H, W]</c> or <c>[N, C, H, W]</c>, RGB in [0, 1].</param>
    /// <param name="reference">Reference of the same shape.</param>
    /// <param name="border">Pixels cropped at each edge.</param>
    /// <param name="yChannel">Measure on the BT.601 Y channel.</param>
    /// <returns>One SSIM per image.</returns>
    /// <exception cref="ArgumentException">As for <see cref="Ssim"/>.</exception>
    public static double[] SsimPerImage(Tensor output, Tensor reference, int border = 0, bool yChannel = false)
    {
        var a = Planes(output, reference, border, yChannel);
        var b = Planes(reference, output, border, yChannel);
        var (h, w) = CroppedSize(output, border);
        if (h < SsimWindow.Size || w < SsimWindow.Size)
            throw new ArgumentException($"SSIM needs at least {SsimWindow.Size} x {SsimWindow.Size} pixels after cropping {border} at each edge; got {h} x {w}.", nameof(output));
        var result = new double[a.Length];
        for (var n = 0; n < a.Length; n++)
            result[n] = Enumerable.Range(0, a[n].Length).Average(c => SsimWindow.Ssim(a[n][c], b[n][c], h, w));
        return result;
    }

    private static (int H, int W) CroppedSize(Tensor x, int border) =>
        ((int)x.shape[^2] - 2 * border, (int)x.shape[^1] - 2 * border);

    /// <summary>Checks the pair and returns <paramref name="x"/> as [image][channel][row-major pixel] on the 0-255 scale, cropped.</summary>
    private static double[][][] Planes(Tensor x, Tensor other, int border, bool yChannel)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(other);
        if (x.dim() is not (3 or 4)) throw new ArgumentException($"Expected an image [C, H, W] or batch [N, C, H, W]; got shape [{string.Join(", ", x.shape)}].", nameof(x));
        if (!x.shape.SequenceEqual(other.shape)) throw new ArgumentException($"Images differ in shape: [{string.Join(", ", x.shape)}] vs [{string.Join(", ", other.shape)}].", nameof(x));
        ArgumentOutOfRangeException.ThrowIfNegative(border);
        var (h, w) = CroppedSize(x, border);
        if (h <= 0 || w <= 0) throw new ArgumentException($"A border of {border} crops away the whole {x.shape[^2]} x {x.shape[^1]} image.", nameof(border));
        int n = x.dim() == 4 ? (int)x.shape[0] : 1, c = (int)x.shape[^3], fullH = (int)x.shape[^2], fullW = (int)x.shape[^1];
        if (yChannel && c != 3) throw new ArgumentException($"The Y channel needs RGB input (C = 3); got C = {c}.", nameof(x));

        double[] data;
        using (NewDisposeScope())
            data = x.detach().to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();

        var planes = new double[n][][];
        for (var i = 0; i < n; i++)
        {
            var channels = new double[c][];
            for (var ch = 0; ch < c; ch++) channels[ch] = Crop(data, ((long)i * c + ch) * fullH * fullW, fullW, border, h, w);
            planes[i] = yChannel ? [ToY(channels)] : channels.Select(p => { for (var k = 0; k < p.Length; k++) p[k] *= 255; return p; }).ToArray();
        }
        return planes;
    }

    private static double[] Crop(double[] data, long offset, int fullW, int border, int h, int w)
    {
        var plane = new double[h * w];
        for (var r = 0; r < h; r++)
            Array.Copy(data, offset + (long)(r + border) * fullW + border, plane, (long)r * w, w);
        return plane;
    }

    private static double[] ToY(double[][] rgb)
    {
        var y = new double[rgb[0].Length];
        for (var i = 0; i < y.Length; i++)
            y[i] = 16 + YWeights[0] * rgb[0][i] + YWeights[1] * rgb[1][i] + YWeights[2] * rgb[2][i];
        return y;
    }
}
