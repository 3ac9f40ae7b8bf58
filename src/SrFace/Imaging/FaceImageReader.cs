using MetadataExtractor;
using MetadataExtractor.Formats.Exif;
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
/// kept). The EXIF orientation tag (JEITA CP-3451 / TIFF 6.0 tag 0x0112, all eight values) of a JPEG or PNG is read
/// with MetadataExtractor and applied, so the tensor is the upright photo a viewer shows; a missing or unreadable tag
/// means 1 (as stored). Grey, CMYK (Adobe, inverted) and 16-bit files decode to the same 8-bit RGB values as their
/// 8-bit RGB originals (16-bit samples are reduced to 8 bits by SkiaSharp; CMYK is converted by SkiaSharp's
/// libjpeg-turbo path, R = C' K' / 255 on the stored inverted values). Files larger than
/// <see cref="MaxPixels"/> are refused from their header alone, before any pixel memory is allocated.
/// <see cref="ReadPixels"/> / <see cref="DecodePixels"/> give the same image (orientation included) in managed memory
/// with no libtorch call, for the training prefetch thread and the ONNX Runtime path.
/// Thread-safe: the reader holds no mutable state.
/// </remarks>
public sealed class FaceImageReader
{
    /// <summary>
    /// Default pixel cap: 25 megapixels (a 6000 x 4000 camera photo fits). Reading a JPEG or PNG needs about 16 bytes
    /// per pixel at its peak (4 for the decoded RGBA bytes, 12 for the float32 RGB tensor, which is filled row by row):
    /// measured 385 MB above the resting memory for a 5000 x 5000 PNG and 752 MB for 7000 x 7000 (the former 50 MP cap,
    /// which its comment put at about 200 MB); FaceImageReaderMemoryTests pins it.
    /// </summary>
    public const long DefaultMaxPixels = 25_000_000;

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
    /// <exception cref="InvalidImageException">The path is a folder, or the file is empty, truncated, corrupt, not a JPEG/PNG/PGM, or above the pixel cap.</exception>
    public Tensor Read(string path)
    {
        RequireFile(path);
        return Decode(File.ReadAllBytes(path), path);
    }

    /// <summary>Fails early, naming what the path is, when it is not an image file (a folder is not "not found").</summary>
    /// <exception cref="InvalidImageException">The path is a folder.</exception>
    /// <exception cref="FileNotFoundException">Nothing exists at the path.</exception>
    private static void RequireFile(string path)
    {
        if (System.IO.Directory.Exists(path)) throw new InvalidImageException(path, "is a folder, not an image file");
        if (!File.Exists(path)) throw new FileNotFoundException($"Image file not found: {path}", path);
    }

    /// <summary>Decodes one image held in memory (e.g. an upload), exactly as <see cref="Read"/> decodes a file.</summary>
    /// <param name="bytes">The encoded JPEG, PNG or PGM image.</param>
    /// <param name="source">Name of the image for messages (a file name or an upload label).</param>
    /// <returns>float32 <c>[C, H, W]</c> in [0, 1], C = 3 or 1 as <see cref="ColorMode"/> says, on the CPU.</returns>
    /// <exception cref="InvalidImageException">The bytes are empty, truncated, corrupt, not a JPEG/PNG/PGM, or above the pixel cap.</exception>
    public Tensor Decode(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var path = source;
        if (bytes.Length == 0) throw new InvalidImageException(path, "file is empty");
        using var scope = NewDisposeScope();
        var image = PgmDecoder.HasPgmMagic(bytes) ? ReadPgm(path, bytes) : ApplyOrientation(ReadWithSkia(path, bytes), ReadOrientation(bytes));
        return ColorConversion.Convert(image, ColorMode).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="Read"/> in managed code only (no libtorch call), in the file's own channels: 1 for grey files (PGM,
    /// grey JPEG/PNG), 3 (RGB) otherwise; the EXIF orientation is applied, <see cref="ColorMode"/> is not (see
    /// <see cref="ManagedFacePreprocessing.Read"/>). Peaks at about 4 + 2 x 12 bytes per RGB pixel when the photo must be turned.
    /// </summary>
    /// <param name="path">A JPEG, PNG or PGM file.</param>
    /// <returns>Planes <c>[C, H, W]</c> row-major, float in [0, 1], and their sizes.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidImageException">The path is a folder, or the file is empty, truncated, corrupt, not a JPEG/PNG/PGM, or above the pixel cap.</exception>
    public (float[] Pixels, int Channels, int Height, int Width) ReadPixels(string path)
    {
        RequireFile(path);
        return DecodePixels(File.ReadAllBytes(path), path);
    }

    /// <summary><see cref="Decode"/> in managed code only: see <see cref="ReadPixels"/>.</summary>
    /// <param name="bytes">The encoded JPEG, PNG or PGM image.</param>
    /// <param name="source">Name of the image for messages.</param>
    /// <returns>Planes <c>[C, H, W]</c> row-major, float in [0, 1], and their sizes.</returns>
    /// <exception cref="InvalidImageException">The bytes are empty, truncated, corrupt, not a JPEG/PNG/PGM, or above the pixel cap.</exception>
    public (float[] Pixels, int Channels, int Height, int Width) DecodePixels(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length == 0) throw new InvalidImageException(source, "file is empty");
        if (PgmDecoder.HasPgmMagic(bytes))
        {
            var (w, h, grey) = PgmDecoder.Decode(source, bytes, MaxPixels);
            return (grey, 1, h, w);
        }
        var decoded = DecodeWithSkia(source, bytes);
        var channels = decoded.Grey ? 1 : 3;
        var planes = new float[(long)channels * decoded.Height * decoded.Width];
        FillPlanes(decoded, (c, y, row) => Array.Copy(row, 0L, planes, ((long)c * decoded.Height + y) * decoded.Width, decoded.Width));
        return OrientPlanes(planes, channels, decoded.Height, decoded.Width, ReadOrientation(bytes));
    }

    /// <summary>
    /// <see cref="ApplyOrientation"/> on planes in managed memory: the same pixel moves as the tensor version.
    /// </summary>
    /// <param name="pixels"><c>[C, H, W]</c> row-major (returned as is for orientation 1).</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="orientation">EXIF orientation 1-8 (other values are treated as 1).</param>
    /// <returns>The upright planes and their sizes (H and W swapped for 5-8).</returns>
    public static (float[] Pixels, int Channels, int Height, int Width) OrientPlanes(float[] pixels, int channels, int height, int width, int orientation)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (orientation is < 2 or > 8) return (pixels, channels, height, width);
        var swap = orientation >= 5;
        var (outH, outW) = swap ? (width, height) : (height, width);
        var output = new float[pixels.LongLength];
        var plane = (long)height * width;
        for (var c = 0; c < channels; c++)
            for (var y = 0; y < outH; y++)
                for (var x = 0; x < outW; x++)
                {
                    // Source (row, column) of output (y, x): the moves of ApplyOrientation's flips and transposes.
                    var (sy, sx) = orientation switch
                    {
                        2 => (y, width - 1 - x),
                        3 => (height - 1 - y, width - 1 - x),
                        4 => (height - 1 - y, x),
                        5 => (x, y),
                        6 => (height - 1 - x, y),
                        7 => (height - 1 - x, width - 1 - y),
                        _ => (x, width - 1 - y),                // 8
                    };
                    output[c * plane + (long)y * outW + x] = pixels[c * plane + (long)sy * width + sx];
                }
        return (output, channels, outH, outW);
    }

    /// <summary>
    /// The EXIF orientation of an encoded image (1-8: 1 upright, 2 mirrored, 3 rotated 180, 4 flipped vertically,
    /// 5 transposed, 6 needs 90 degrees clockwise, 7 transversed, 8 needs 90 degrees anticlockwise), or 1 when the file has
    /// no readable orientation tag.
    /// </summary>
    /// <param name="bytes">The file's bytes (JPEG, PNG or other formats MetadataExtractor reads).</param>
    public static int ReadOrientation(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            foreach (var directory in ImageMetadataReader.ReadMetadata(stream).OfType<ExifIfd0Directory>())
                if (directory.TryGetInt32(ExifDirectoryBase.TagOrientation, out var value) && value is >= 1 and <= 8) return value;
        }
        catch (Exception e) when (e is ImageProcessingException or IOException or MetadataException or ArgumentException or IndexOutOfRangeException)
        {
            // Unreadable metadata is not an unreadable image: decode it as stored.
        }
        return 1;
    }

    /// <summary>Turns an image stored with EXIF orientation <paramref name="orientation"/> upright.</summary>
    /// <param name="image"><c>[C, H, W]</c>; disposed by the caller's scope.</param>
    /// <param name="orientation">EXIF orientation 1-8 (other values are treated as 1).</param>
    /// <returns><c>[C, H, W]</c> for 1-4, <c>[C, W, H]</c> for 5-8 (a new tensor, or an alias for 1).</returns>
    public static Tensor ApplyOrientation(Tensor image, int orientation) => orientation switch
    {
        2 => image.flip(2),                          // mirror left-right
        3 => image.flip(1, 2),                       // rotate 180
        4 => image.flip(1),                          // mirror top-bottom
        5 => image.transpose(1, 2).contiguous(),     // transpose (mirror + rotate 270 clockwise)
        6 => image.transpose(1, 2).flip(2),          // rotate 90 clockwise
        7 => image.transpose(1, 2).flip(1, 2),       // transverse (mirror + rotate 90 clockwise)
        8 => image.transpose(1, 2).flip(1),          // rotate 90 anticlockwise
        _ => image.alias(),
    };

    private Tensor ReadPgm(string path, byte[] bytes)
    {
        var (width, height, pixels) = PgmDecoder.Decode(path, bytes, MaxPixels);
        return tensor(pixels, [1, height, width]);
    }

    private Tensor ReadWithSkia(string path, byte[] bytes)
    {
        // Written row by row straight into the tensor's memory: no whole-image float array beside the tensor.
        var decoded = DecodeWithSkia(path, bytes);
        var image = empty([decoded.Grey ? 1 : 3, decoded.Height, decoded.Width], float32);
        var values = image.data<float>();
        FillPlanes(decoded, (c, y, row) => values.CopyFrom(row, 0, ((long)c * decoded.Height + y) * decoded.Width));
        return image;
    }

    private sealed record SkiaPixels(byte[] Bytes, bool Grey, int Height, int Width);

    private delegate void RowSink(int channel, int y, float[] row);

    /// <summary>Decodes a JPEG/PNG to bytes: one per pixel for grey files, unpremultiplied RGBA otherwise.</summary>
    private SkiaPixels DecodeWithSkia(string path, byte[] bytes)
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
        return new SkiaPixels(pixels, grey, height, width);
    }

    /// <summary>
    /// Bytes to [C, H, W] floats in managed code (no tensor-scalar call here, see Runtime.SafeScalars for why), one
    /// row of one channel at a time, so the caller's destination is the only whole-image float buffer.
    /// </summary>
    private static void FillPlanes(SkiaPixels decoded, RowSink sink)
    {
        var (pixels, grey, height, width) = decoded;
        var channels = grey ? 1 : 3;
        var step = grey ? 1 : 4;
        var row = new float[width];
        for (var c = 0; c < channels; c++)
            for (var y = 0; y < height; y++)
            {
                var source = (long)y * width * step + c;
                for (var x = 0; x < width; x++) row[x] = pixels[source + (long)x * step] / 255f;
                sink(c, y, row);
            }
    }
}
