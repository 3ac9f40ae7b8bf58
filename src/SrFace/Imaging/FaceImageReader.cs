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
    /// <exception cref="InvalidImageException">The file is empty, truncated, corrupt, not a JPEG/PNG/PGM, or above the pixel cap.</exception>
    public Tensor Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Image file not found: {path}", path);
        return Decode(File.ReadAllBytes(path), path);
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

        // Bytes to [C, H, W] floats in managed code (no tensor-scalar call here, see Runtime.SafeScalars for why),
        // written row by row straight into the tensor's memory: no whole-image float array beside the tensor.
        var channels = grey ? 1 : 3;
        var image = empty([channels, height, width], float32);
        var values = image.data<float>();
        var row = new float[width];
        for (var c = 0; c < channels; c++)
            for (var y = 0; y < height; y++)
            {
                var source = (long)y * width * (grey ? 1 : 4) + c;
                var step = grey ? 1 : 4;
                for (var x = 0; x < width; x++) row[x] = pixels[source + (long)x * step] / 255f;
                values.CopyFrom(row, 0, ((long)c * height + y) * width);
            }
        return image;
    }
}
