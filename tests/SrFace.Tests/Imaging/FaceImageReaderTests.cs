using SrFace.Imaging;
using static TorchSharp.torch;

namespace SrFace.Tests.Imaging;

[Collection(TorchCollection.Name)]
public class FaceImageReaderTests
{
    private static IEnumerable<string> FirstLfwImages(int people) =>
        Directory.EnumerateDirectories(TestData.LfwImages).Order(StringComparer.Ordinal).Take(people)
            .Select(dir => Directory.EnumerateFiles(dir, "*.jpg").Order(StringComparer.Ordinal).First());

    [Fact]
    public void LfwJpegsReadAsRgb250x250InUnitRange()
    {
        var reader = new FaceImageReader();
        foreach (var path in FirstLfwImages(5))
        {
            using var scope = NewDisposeScope();
            var image = reader.Read(path);
            Assert.Equal(new long[] { 3, 250, 250 }, image.shape);
            Assert.Equal(ScalarType.Float32, image.dtype);
            Assert.True(image.min().item<float>() >= 0f && image.max().item<float>() <= 1f);
            Assert.True(image.std().item<float>() > 0.05f, $"{path} looks blank");
        }
    }

    [Fact]
    public void OrlPgmReadsAsOneChannelAndReplicatesToRgb()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(TestData.Orl, "s1", "1.pgm");
        var grey = new FaceImageReader(ColorMode.Grey).Read(path);
        var source = new FaceImageReader(ColorMode.Source).Read(path);
        var rgb = new FaceImageReader(ColorMode.Rgb).Read(path);
        Assert.Equal(new long[] { 1, 112, 92 }, grey.shape);
        Assert.Equal(new long[] { 1, 112, 92 }, source.shape);
        Assert.Equal(new long[] { 3, 112, 92 }, rgb.shape);
        Assert.True(grey.eq(source).all().item<bool>());
        for (var c = 0; c < 3; c++) Assert.True(rgb[c].eq(grey[0]).all().item<bool>());
        Assert.True(grey.max().item<float>() <= 1f && grey.min().item<float>() >= 0f);
    }

    [Fact]
    public void GreyModeGivesBt601LumaOfRgb()
    {
        using var scope = NewDisposeScope();
        var path = FirstLfwImages(1).Single();
        var rgb = new FaceImageReader(ColorMode.Rgb).Read(path);
        var grey = new FaceImageReader(ColorMode.Grey).Read(path);
        Assert.Equal(new long[] { 1, 250, 250 }, grey.shape);
        var expected = rgb[0] * 0.299f + rgb[1] * 0.587f + rgb[2] * 0.114f;
        Assert.True(grey[0].allclose(expected, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void PlainP2WithCommentsParsesExactly()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(TestData.NewTempDir(), "tiny.pgm");
        File.WriteAllText(path, "P2\n# a comment\n3 2 # width height\n4\n0 1 2\n3 4\t4\n");
        var image = new FaceImageReader(ColorMode.Source).Read(path);
        Assert.Equal(new long[] { 1, 2, 3 }, image.shape);
        Assert.Equal(new[] { 0f, 0.25f, 0.5f, 0.75f, 1f, 1f }, image.data<float>().ToArray());
    }

    [Fact]
    public void SixteenBitBinaryPgmIsBigEndianAndScaledByMaxval()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(TestData.NewTempDir(), "deep.pgm");
        File.WriteAllBytes(path, [.. "P5 2 1 1000\n"u8.ToArray(), 0x01, 0xF4, 0x03, 0xE8]); // 500, 1000
        var image = new FaceImageReader(ColorMode.Source).Read(path);
        Assert.Equal(new[] { 0.5f, 1f }, image.data<float>().ToArray());
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        var path = Path.Combine(TestData.NewTempDir(), "nope", "absent.jpg");
        var e = Assert.Throws<FileNotFoundException>(() => new FaceImageReader().Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void FolderIsNamedAsAFolderNotAsMissing()
    {
        var folder = TestData.NewTempDir();
        var e = Assert.Throws<InvalidImageException>(() => new FaceImageReader().Read(folder));
        Assert.Contains("is a folder", e.Message);
        Assert.Equal(folder, e.FilePath);
        Assert.Throws<InvalidImageException>(() => new FaceImageReader().ReadPixels(folder));
    }

    public static TheoryData<string> BadFiles => ["truncated.jpg", "random.jpg", "empty.png", "short.pgm", "badheader.pgm", "bomb.pgm", "maxval.pgm", "text.png", "trailing.pgm"];

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void UnusableFilesThrowInvalidImageNamingTheFile(string name)
    {
        var dir = TestData.NewTempDir();
        var path = Path.Combine(dir, name);
        var jpeg = File.ReadAllBytes(FirstLfwImages(1).Single());
        var random = new byte[4096];
        new Random(7).NextBytes(random);
        byte[] content = name switch
        {
            "truncated.jpg" => jpeg[..(jpeg.Length / 2)],
            "random.jpg" => random,
            "empty.png" => [],
            "short.pgm" => [.. "P5\n92 112\n255\n"u8.ToArray(), .. new byte[92 * 112 - 1]],
            "trailing.pgm" => [.. "P5\n2 2\n255\n"u8.ToArray(), .. new byte[5]],
            "badheader.pgm" => [.. "P5\n92 abc\n255\n"u8.ToArray(), .. new byte[92 * 112]],
            "bomb.pgm" => [.. "P5\n100000 100000\n255\n"u8.ToArray(), .. new byte[16]],
            "maxval.pgm" => [.. "P5\n2 2\n70000\n"u8.ToArray(), .. new byte[8]],
            "text.png" => "this is not an image at all\n"u8.ToArray(),
            _ => throw new ArgumentException(name),
        };
        File.WriteAllBytes(path, content);
        var e = Assert.Throws<InvalidImageException>(() => new FaceImageReader().Read(path));
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public void PixelCapIsConfigurableForJpegAndPgm()
    {
        var jpeg = FirstLfwImages(1).Single();
        var pgm = Path.Combine(TestData.Orl, "s1", "1.pgm");
        var strict = new FaceImageReader(maxPixels: 250 * 250 - 1);
        Assert.Contains("exceeds the cap", Assert.Throws<InvalidImageException>(() => strict.Read(jpeg)).Message);
        using var scope = NewDisposeScope();
        Assert.Equal(new long[] { 3, 112, 92 }, strict.Read(pgm).shape);
        Assert.Throws<InvalidImageException>(() => new FaceImageReader(maxPixels: 92 * 112 - 1).Read(pgm));
    }
}
