using System.IO.Compression;
using SkiaSharp;
using SrFace.Imaging;
using static TorchSharp.torch;

namespace SrFace.Tests.Imaging;

/// <summary>
/// Photos as users have them: EXIF orientations 1-8, grey, CMYK and 16-bit files. Every image is synthetic, built
/// in memory by the test (gradients and flat colour blocks, no faces) and written to a temporary file for the reader.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class PhotoDecodingTests
{
    private const int W = 24, H = 16;

    /// <summary>The eight EXIF orientation values (TIFF 6.0 / EXIF 2.32 tag 0x0112).</summary>
    public static TheoryData<int> Orientations => [1, 2, 3, 4, 5, 6, 7, 8];

    [Theory]
    [MemberData(nameof(Orientations))]
    public void ExifOrientationIsApplied(int orientation)
    {
        var jpeg = EncodeJpeg(Pattern());
        using var stored = ReadBytes(jpeg);                        // [3, H, W] as stored (no EXIF)
        using var shown = ReadBytes(ExifJpeg.WithOrientation(jpeg, orientation));
        // Expected display: EXIF 6 = rotate 90 clockwise etc., written out as coordinate maps (TIFF 6.0 / EXIF 2.3).
        var (ow, oh) = orientation >= 5 ? (H, W) : (W, H);
        Assert.Equal([3L, oh, ow], shown.shape);
        var s = stored.data<float>().ToArray();
        var d = shown.data<float>().ToArray();
        for (var y = 0; y < oh; y++)
            for (var x = 0; x < ow; x++)
            {
                var (sx, sy) = orientation switch
                {
                    1 => (x, y),
                    2 => (W - 1 - x, y),
                    3 => (W - 1 - x, H - 1 - y),
                    4 => (x, H - 1 - y),
                    5 => (y, x),
                    6 => (y, H - 1 - x),
                    7 => (W - 1 - y, H - 1 - x),
                    _ => (W - 1 - y, x),
                };
                for (var c = 0; c < 3; c++) Assert.Equal(s[(c * H + sy) * W + sx], d[(c * oh + y) * ow + x]);
            }
    }

    /// <summary>The managed decoder (training prefetch, ONNX Runtime path) turns photos upright exactly as the tensor reader does.</summary>
    [Theory]
    [MemberData(nameof(Orientations))]
    public void ManagedDecodingOrientsLikeTheTensorReader(int orientation)
    {
        var path = Path.Combine(TestData.NewTempDir(), "image");
        File.WriteAllBytes(path, ExifJpeg.WithOrientation(EncodeJpeg(Pattern()), orientation));
        var reader = new FaceImageReader();
        using var expected = reader.Read(path).contiguous();
        var (pixels, channels, height, width) = reader.ReadPixels(path);
        Assert.Equal(expected.shape, new long[] { channels, height, width });
        Assert.Equal(expected.data<float>().ToArray(), pixels);
    }

    [Fact]
    public void GreyAnd16BitPngsGiveTheirRgb8BitPixels()
    {
        var rgb = new byte[W * H * 3];
        var grey = new byte[W * H];
        for (var i = 0; i < W * H; i++) { grey[i] = (byte)(i * 7 % 256); rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = grey[i]; }
        using var fromRgb = ReadBytes(Png(W, H, 8, 2, rgb));
        using var fromGrey = ReadBytes(Png(W, H, 8, 0, grey));
        using var fromGrey16 = ReadBytes(Png(W, H, 16, 0, To16(grey)));
        var colour = Pattern();
        using var fromRgb8 = ReadBytes(Png(W, H, 8, 2, colour));
        using var fromRgb16 = ReadBytes(Png(W, H, 16, 2, To16(colour)));
        Assert.Equal(0f, MaxDiff(fromGrey, fromRgb));        // grey PNG vs its RGB original
        Assert.Equal(0f, MaxDiff(fromGrey16, fromRgb));      // 16-bit grey PNG vs the 8-bit RGB original
        Assert.Equal(0f, MaxDiff(fromRgb16, fromRgb8));      // 16-bit RGB PNG vs its 8-bit original
    }

    private static float MaxDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        return a.sub(b).abs().max().item<float>();
    }

    [Fact]
    public void CmykJpegGivesItsRgbPixels()
    {
        // Flat 8x8 blocks whose RGB has an exact inverted-CMYK form: saturated colours (K' = 255, C' = R) and greys
        // (C' = M' = Y' = 255, K' = grey). A DC-only baseline JPEG with unit quantisation decodes flat blocks exactly.
        var colours = new (byte R, byte G, byte B)[] { (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 200, 30), (10, 10, 10), (128, 128, 128), (200, 200, 200), (255, 255, 255) };
        const int bw = 4, bh = 2;
        var rgb = new byte[bw * 8 * bh * 8 * 3];
        var cmyk = new byte[bw * bh][];
        for (var b = 0; b < colours.Length; b++)
        {
            var (r, g, bl) = colours[b];
            var max = Math.Max(r, Math.Max(g, bl));
            cmyk[b] = max == 255 ? [r, g, bl, 255] : [255, 255, 255, max];
            var (bx, by) = (b % bw, b / bw);
            for (var y = 0; y < 8; y++)
                for (var x = 0; x < 8; x++)
                {
                    var o = ((by * 8 + y) * bw * 8 + bx * 8 + x) * 3;
                    (rgb[o], rgb[o + 1], rgb[o + 2]) = (r, g, bl);
                }
        }
        using var expected = ReadBytes(Png(bw * 8, bh * 8, 8, 2, rgb));
        using var decoded = ReadBytes(DcOnlyCmykJpeg(bw, bh, cmyk));
        Assert.Equal(expected.shape, decoded.shape);
        var maxDiff = decoded.sub(expected).abs().max().item<float>() * 255;
        Assert.True(maxDiff <= 1.0f, $"CMYK decode differs from the RGB original by {maxDiff:0.0} grey levels (limit 1)");
    }

    private static byte[] Pattern()
    {
        var rgb = new byte[W * H * 3];
        for (var y = 0; y < H; y++)
            for (var x = 0; x < W; x++)
            {
                var o = (y * W + x) * 3;
                (rgb[o], rgb[o + 1], rgb[o + 2]) = ((byte)(x * 10), (byte)(y * 15), (byte)((x * y * 3) % 256));
            }
        return rgb;
    }

    private static byte[] To16(byte[] v)
    {
        var o = new byte[v.Length * 2];
        for (var i = 0; i < v.Length; i++) (o[2 * i], o[2 * i + 1]) = (v[i], v[i]);   // v * 257, big-endian
        return o;
    }

    private static Tensor ReadBytes(byte[] file)
    {
        var path = Path.Combine(TestData.NewTempDir(), "image");
        File.WriteAllBytes(path, file);
        return new FaceImageReader().Read(path).contiguous();
    }

    private static byte[] EncodeJpeg(byte[] rgb)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(W, H, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (var y = 0; y < H; y++)
            for (var x = 0; x < W; x++)
            {
                var o = (y * W + x) * 3;
                bitmap.SetPixel(x, y, new SKColor(rgb[o], rgb[o + 1], rgb[o + 2]));
            }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        return data.ToArray();
    }

    /// <summary>A minimal PNG (no interlace, filter 0 on every row).</summary>
    private static byte[] Png(int width, int height, int bitDepth, int colourType, byte[] samples)
    {
        var rowBytes = samples.Length / height;
        var raw = new MemoryStream();
        for (var y = 0; y < height; y++) { raw.WriteByte(0); raw.Write(samples, y * rowBytes, rowBytes); }
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) zs.Write(raw.ToArray());
        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(png, "IHDR", [.. BigEndian(width), .. BigEndian(height), (byte)bitDepth, (byte)colourType, 0, 0, 0]);
        Chunk(png, "IDAT", z.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(BigEndian(data.Length));
        s.Write(typed);
        s.Write(BigEndian((int)Crc32(typed)));
    }

    private static byte[] BigEndian(int v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return crc ^ 0xFFFFFFFFu;
    }

    /// <summary>
    /// A baseline JPEG (ITU-T T.81) with four components (Adobe APP14, transform 0: inverted CMYK as stored), 1x1
    /// sampling, unit quantisation, one flat 8x8 block per component per MCU, DC coefficients only (AC = end of block).
    /// </summary>
    private static byte[] DcOnlyCmykJpeg(int blocksWide, int blocksHigh, byte[][] cmykPerBlock)
    {
        var o = new List<byte> { 0xFF, 0xD8 };
        void Segment(byte marker, IEnumerable<byte> body)
        {
            var b = body.ToArray();
            o.AddRange([0xFF, marker, (byte)((b.Length + 2) >> 8), (byte)(b.Length + 2)]);
            o.AddRange(b);
        }
        Segment(0xEE, [.. "Adobe"u8.ToArray(), 0, 100, 0, 0, 0, 0, 0]);
        Segment(0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]);
        Segment(0xC0, [8, 0, (byte)(blocksHigh * 8), 0, (byte)(blocksWide * 8), 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);
        byte[] dcBits = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];                 // ITU-T T.81 Table K.3
        Segment(0xC4, [0x00, .. dcBits, .. Enumerable.Range(0, 12).Select(i => (byte)i)]);
        Segment(0xC4, [0x10, 1, .. new byte[15], 0x00]);                                    // AC: one code "0" = EOB
        Segment(0xDA, [4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0]);
        // Canonical DC codes per category.
        var codes = new (int Code, int Length)[12];
        int code = 0, k = 0;
        for (var len = 1; len <= 16; len++, code <<= 1)
            for (var i = 0; i < dcBits[len - 1]; i++) codes[k++] = (code++, len);
        var bits = new List<bool>();
        void Put(int value, int length) { for (var i = length - 1; i >= 0; i--) bits.Add(((value >> i) & 1) == 1); }
        var pred = new int[4];
        for (var b = 0; b < blocksWide * blocksHigh; b++)
            for (var c = 0; c < 4; c++)
            {
                var dc = (cmykPerBlock[b][c] - 128) * 8;
                var diff = dc - pred[c];
                pred[c] = dc;
                var cat = diff == 0 ? 0 : (int)Math.Floor(Math.Log2(Math.Abs(diff))) + 1;
                Put(codes[cat].Code, codes[cat].Length);
                if (cat > 0) Put(diff > 0 ? diff : diff + (1 << cat) - 1, cat);
                Put(0, 1);                                                                      // EOB
            }
        while (bits.Count % 8 != 0) bits.Add(true);
        for (var i = 0; i < bits.Count; i += 8)
        {
            var v = 0;
            for (var j = 0; j < 8; j++) v = (v << 1) | (bits[i + j] ? 1 : 0);
            o.Add((byte)v);
            if (v == 0xFF) o.Add(0);
        }
        o.AddRange([0xFF, 0xD9]);
        return o.ToArray();
    }
}
