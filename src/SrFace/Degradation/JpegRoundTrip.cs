using SkiaSharp;
using static TorchSharp.torch;

namespace SrFace.Degradation;

/// <summary>
/// JPEG re-compression artefacts: each image goes through a SkiaSharp (libjpeg-turbo) encode at a given quality and
/// back. Pixels are quantised to 8 bits on the way, as a real JPEG capture would be.
/// </summary>
internal static class JpegRoundTrip
{
    /// <summary>Round-trips every image of a batch through JPEG.</summary>
    /// <param name="x">Batch <c>[N, C, H, W]</c>, float32 in [0, 1], C = 1 (grey) or 3 (RGB); not disposed.</param>
    /// <param name="quality">Per-image JPEG quality, 1-100.</param>
    /// <returns>Batch of the same shape, float32 in [0, 1] (multiples of 1/255), on the CPU.</returns>
    /// <exception cref="InvalidOperationException">When SkiaSharp fails to encode or decode.</exception>
    public static Tensor Apply(Tensor x, IReadOnlyList<int> quality)
    {
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        using var bytes = x.mul(255).round_().clamp_(0, 255).to(ScalarType.Byte).permute(0, 2, 3, 1).contiguous().cpu(); // [N, H, W, C]
        var pixels = bytes.data<byte>().ToArray();
        var plane = (int)(h * w * c);
        var output = new byte[pixels.Length];
        for (var i = 0; i < n; i++)
            RoundTrip(pixels.AsSpan(i * plane, plane), output.AsSpan(i * plane, plane), (int)w, (int)h, (int)c, quality[i]);
        using var hwc = tensor(output, [n, h, w, c]);
        return hwc.permute(0, 3, 1, 2).to(float32).div_(255).to(x.device);
    }

    private static void RoundTrip(ReadOnlySpan<byte> source, Span<byte> target, int width, int height, int channels, int quality)
    {
        var colorType = channels == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888;
        var info = new SKImageInfo(width, height, colorType, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        var pixels = bitmap.GetPixelSpan();
        var stride = bitmap.RowBytes;
        for (var y = 0; y < height; y++)
        for (var xx = 0; xx < width; xx++)
        {
            var at = y * stride + xx * info.BytesPerPixel;
            var from = (y * width + xx) * channels;
            if (channels == 1) pixels[at] = source[from];
            else { pixels[at] = source[from]; pixels[at + 1] = source[from + 1]; pixels[at + 2] = source[from + 2]; pixels[at + 3] = 255; }
        }
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality)
            ?? throw new InvalidOperationException($"SkiaSharp could not JPEG-encode a {width}x{height} image at quality {quality}.");
        using var codec = SKCodec.Create(encoded)
            ?? throw new InvalidOperationException("SkiaSharp could not read back the JPEG it encoded.");
        using var decoded = SKBitmap.Decode(codec, info)
            ?? throw new InvalidOperationException("SkiaSharp could not decode the JPEG it encoded.");
        var back = decoded.GetPixelSpan();
        stride = decoded.RowBytes;
        for (var y = 0; y < height; y++)
        for (var xx = 0; xx < width; xx++)
        {
            var at = y * stride + xx * info.BytesPerPixel;
            var to = (y * width + xx) * channels;
            if (channels == 1) target[to] = back[at];
            else { target[to] = back[at]; target[to + 1] = back[at + 1]; target[to + 2] = back[at + 2]; }
        }
    }
}
