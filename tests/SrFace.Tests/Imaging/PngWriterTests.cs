using SrFace.Imaging;
using static TorchSharp.torch;

namespace SrFace.Tests.Imaging;

[Collection(TorchCollection.Name)]
public class PngWriterTests
{
    [Fact]
    public void RgbJpegWrittenAsPngReadsBackIdentically()
    {
        using var scope = NewDisposeScope();
        var jpeg = Directory.EnumerateFiles(Path.Combine(TestData.LfwImages, "Aaron_Peirsol"), "*.jpg").Order(StringComparer.Ordinal).First();
        var image = new FaceImageReader().Read(jpeg);
        var png = Path.Combine(TestData.NewTempDir(), "sub", "face.png");
        PngWriter.Write(image, png);
        var back = new FaceImageReader(ColorMode.Source).Read(png);
        Assert.Equal(image.shape, back.shape);
        Assert.True(back.eq(image).all().item<bool>());
    }

    [Fact]
    public void GreyAndTwoDimensionalTensorsAreClampedAndRounded()
    {
        using var scope = NewDisposeScope();
        var values = tensor(new[] { -0.5f, 0f, 0.2f, 0.5f, 1f, 3f }).reshape(2, 3);
        var png = Path.Combine(TestData.NewTempDir(), "grey.png");
        PngWriter.Write(values, png);
        var back = new FaceImageReader(ColorMode.Source).Read(png);
        Assert.Equal(new long[] { 1, 2, 3 }, back.shape);
        var bytes = back.mul(255f).round().to(int32).data<int>().ToArray();
        Assert.Equal(new[] { 0, 0, 51, 128, 255, 255 }, bytes); // 127.5 rounds half to even = 128
    }

    [Fact]
    public void BadShapesAreRejected()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(TestData.NewTempDir(), "x.png");
        Assert.Throws<ArgumentException>(() => PngWriter.Write(zeros(2, 4, 4), path));
        Assert.Throws<ArgumentException>(() => PngWriter.Write(zeros(1, 1, 4, 4), path));
    }

    [Fact]
    public void GridPlacesImagesRowByRowWithPadding()
    {
        using var scope = NewDisposeScope();
        var images = Enumerable.Range(0, 3).Select(i => full(3, 4, 5, i / 10f)).ToList();
        var grid = ImageGrid.Compose(images, columns: 2, padding: 1, padValue: 1f);
        Assert.Equal(new long[] { 3, 2 * 5 + 1, 2 * 6 + 1 }, grid.shape);
        Assert.Equal(0.0f, grid[0, 1, 1].item<float>());
        Assert.Equal(0.1f, grid[0, 1, 7].item<float>());
        Assert.Equal(0.2f, grid[2, 6, 1].item<float>());
        Assert.Equal(1f, grid[0, 6, 7].item<float>()); // empty cell
        Assert.Equal(1f, grid[1, 0, 0].item<float>()); // border
        Assert.Throws<ArgumentException>(() => ImageGrid.Compose([zeros(3, 4, 5), zeros(3, 4, 4)], 2));
    }
}
