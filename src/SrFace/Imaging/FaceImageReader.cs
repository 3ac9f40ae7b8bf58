using SkiaSharp;
using static TorchSharp.torch;

namespace SrFace.Imaging;

/// <summary>
/// Reads a face image file into a float32 tensor <c>[C, H, W]</c> with values in [0, 1]: JPEG and PNG through
/// SkiaSharp, binary (P5) and plain (P2) PGM through our own strict decoder. The colour layout follows
/// <see cref="ColorMode"/> (grey replicated to RGB, RGB to BT.601 luma).
/// </summary>
/// <remarks>
/// The format is chosen from the file's content, not its extension. Alpha is dropped (unpremultiplied colour is
/// kept); JPEG EXIF orientation is ignored (face datasets store upright images). Files larger than
/// <see cref="MaxPixels"/> are refused from their header alone, before any pixel memory is allocated.
/// Thread-safe: the reader holds no mutable state.
/// </remarks>
public sealed class FaceImageReader
{
    /// <summary>Default pixel cap: 50 megapixels (about 200 MB as RGBA bytes).</summary>
    public const long DefaultMaxPixels = 50_000_000;

    /// <summary>Creates a reader.</summary>
    /// <param name="colorMode">Channel layout of the tensors returned.</param>
    /// <param name="maxPixels">Largest accepted <c>W * H</c>; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPixels"/> is below 1.</exception>
    public FaceImageReader(ColorMode colorMode = ColorMode.Rgb, long maxPixels = DefaultMaxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1);
        ColorMode = colorMode;
        MaxPixels = maxPixels;
    }

    /// <summary>Channel layout of the tensors returned.</summary>
    public ColorMode ColorMode { get; }

    /// <summary>Largest accepted image, in pixels (<c>W * H</c>).</summary>
    public long MaxPixels { get; }

    /// <summary>Reads one image.</summary>
    /// <param name="path">A JPEG, PNG or PGM file.</param>
    /// <returns>float32 <c>[C, H, W]</c> in [0, 1], C = 3 or 1 as <see cref="ColorMode"/> says, on the CPU.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidImageException">The file is empty, truncated, corrupt, not a JPEG/PNG/PGM, or above the pixel cap.</exception>
    public Tensor Read(string path)
    {
        var (pixels, channels, height, width) = ReadPixels(path);
        using var scope = NewDisposeScope();
        var image = tensor(pixels, [channels, height, width]);
        return ColorConversion.Convert(image, ColorMode).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Decodes one image in managed code only (no libtorch call), in the file's own channels: 1 for grey files (PGM,
    /// grey JPEG/PNG), 3 (RGB) otherwise; <see cref="ColorMode"/> is not applied (see <see cref="ColorConversion"/>).
    /// </summary>
    /// <param name="path">A JPEG, PNG or PGM file.</param>
    /// <returns>Planes <c>[C, H, W]</c> row-major, float in [0, 1], and their sizes.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidImageException">The file is empty, truncated, corrupt, not a JPEG/PNG/PGM, or above the pixel cap.</exception>
    public (float[] Pixels, int Channels, int Height, int Width) ReadPixels(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Image file not found: {path}", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0) throw new InvalidImageException(path, "file is empty");
        return PgmDecoder.HasPgmMagic(bytes) ? ReadPgm(path, bytes) : ReadWithSkia(path, bytes);
    }

    private (float[], int, int, int) ReadPgm(string path, byte[] bytes)
    {
        var (width, height, pixels) = PgmDecoder.Decode(path, bytes, MaxPixels);
        return (pixels, 1, height, width);
    }

    private (float[], int, int, int) ReadWithSkia(string path, byte[] bytes)
    {
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        if (codec == null) throw new InvalidImageException(path, "not a recognised image (JPEG, PNG or PGM expected)");
        if (codec.EncodedFormat is not (SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Png))
            throw new InvalidImageException(path, $"unsupported image format {codec.EncodedFormat} (JPEG, PNG or PGM expected)");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width < 1 || height < 1) throw new InvalidImageException(path, $"image size {width}x{height} is empty");
        if ((long)width * height > MaxPixels)
            throw new InvalidImageException(path, $"image of {width}x{height} = {(long)width * height} pixels exceeds the cap of {MaxPixels} pixels");

        // Grey files decode to one byte per pixel; everything else to unpremultiplied RGBA.
        var grey = codec.Info.ColorType == SKColorType.Gray8;
        var info = new SKImageInfo(width, height, grey ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var result = codec.GetPixels(info, out byte[] pixels);
        // Skia fills the missing rows of a truncated file and reports IncompleteInput: that image is not usable.
        if (result != SKCodecResult.Success)
            throw new InvalidImageException(path, $"{codec.EncodedFormat} decoding failed ({result})");

        // Bytes to [C, H, W] floats in managed code: no tensor-scalar call here (see Runtime.SafeScalars for why).
        var plane = width * height;
        if (grey)
        {
            var y = new float[plane];
            for (var i = 0; i < plane; i++) y[i] = pixels[i] / 255f;
            return (y, 1, height, width);
        }
        var rgb = new float[3 * plane];
        for (var i = 0; i < plane; i++)
        {
            rgb[i] = pixels[4 * i] / 255f;
            rgb[plane + i] = pixels[4 * i + 1] / 255f;
            rgb[2 * plane + i] = pixels[4 * i + 2] / 255f;
        }
        return (rgb, 3, height, width);
    }
}
