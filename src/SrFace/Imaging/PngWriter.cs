using System.Runtime.InteropServices;
using SkiaSharp;
using static TorchSharp.torch;

namespace SrFace.Imaging;

/// <summary>
/// Writes an image tensor as an 8-bit PNG through SkiaSharp (for restoration grids and inspection).
/// Values are clamped to [0, 1], scaled by 255 and rounded half to even (torch.round), the inverse of the
/// reader's division by 255, so a PNG read, written and read again gives the same bytes.
/// </summary>
public static class PngWriter
{
    /// <summary>Writes <paramref name="image"/> to <paramref name="path"/>, creating the folder if needed.</summary>
    /// <param name="image"><c>[3, H, W]</c> RGB, <c>[1, H, W]</c> or <c>[H, W]</c> grey; values in [0, 1]
    /// (outside values are clamped); any dtype and device. Not modified or disposed.</param>
    /// <param name="path">The PNG file to write (overwritten if present).</param>
    /// <exception cref="ArgumentException">The tensor is not shaped like an image.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(Tensor image, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var png = Encode(image);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        File.WriteAllBytes(path, png);
    }

    /// <summary>Encodes <paramref name="image"/> as PNG bytes (e.g. for an HTTP response), as <see cref="Write"/> writes them.</summary>
    /// <param name="image"><c>[3, H, W]</c> RGB, <c>[1, H, W]</c> or <c>[H, W]</c> grey; values in [0, 1]; not modified or disposed.</param>
    /// <returns>The PNG file's bytes.</returns>
    /// <exception cref="ArgumentException">The tensor is not shaped like an image.</exception>
    /// <exception cref="IOException">Encoding failed.</exception>
    public static byte[] Encode(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var path = "PNG";
        using var scope = NewDisposeScope();
        var chw = image.dim() == 2 ? image.unsqueeze(0) : image;
        if (chw.dim() != 3 || (chw.size(0) != 1 && chw.size(0) != 3) || chw.size(1) < 1 || chw.size(2) < 1)
            throw new ArgumentException($"Expected an image [3, H, W], [1, H, W] or [H, W]; got [{string.Join(", ", image.shape)}].", nameof(image));
        var (height, width) = ((int)chw.size(1), (int)chw.size(2));
        var grey = chw.size(0) == 1;
        var bytes = chw.detach().to(CPU).to(float32).clamp(0f, 1f).mul(255f).round().to(uint8);
        if (!grey)
        {
            // Skia has no packed 3-byte layout: add an opaque alpha channel.
            var alpha = full(1, height, width, (byte)255, dtype: uint8);
            bytes = cat([bytes, alpha], 0);
        }
        var pixels = bytes.permute(1, 2, 0).contiguous().data<byte>().ToArray(); // [H, W, C] row-major

        var info = new SKImageInfo(width, height, grey ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        if (bitmap.RowBytes != info.BytesPerPixel * width)
            throw new InvalidOperationException($"Unexpected Skia row stride {bitmap.RowBytes} for width {width}.");
        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new IOException($"{path}: PNG encoding failed.");
        return encoded.ToArray();
    }
}
