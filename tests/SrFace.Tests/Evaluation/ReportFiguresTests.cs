using SkiaSharp;
using SrFace.Evaluation;

namespace SrFace.Tests.Evaluation;

public class ReportFiguresTests
{
    private static void AssertPng(string path, int width, int height)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        using var bitmap = SKBitmap.Decode(bytes);
        Assert.NotNull(bitmap);
        Assert.Equal(width, bitmap.Width);
        Assert.Equal(height, bitmap.Height);
    }

    private static IReadOnlyList<RocPoint> Roc(double shift)
    {
        var rng = new Random(3);
        var pairs = Enumerable.Range(0, 400).Select(i => new ScoredPair(rng.NextDouble() + (i % 2 == 0 ? shift : 0), i % 2 == 0)).ToArray();
        return RocAnalysis.Curve(pairs);
    }

    [Fact]
    public void Roc_curves_are_written_as_png_of_the_requested_size()
    {
        var dir = TestData.NewTempDir();
        NamedRocCurve[] curves = [new("bicubic", Roc(0.3)), new("SR cascade", Roc(0.6))];
        var log = Path.Combine(dir, "figs", "roc-log.png"); // folder created on demand
        ReportFigures.RocCurves(log, curves, logFar: true, width: 640, height: 480);
        AssertPng(log, 640, 480);
        var linear = Path.Combine(dir, "roc.png");
        ReportFigures.RocCurves(linear, curves, logFar: false, width: 500, height: 400);
        AssertPng(linear, 500, 400);
    }

    [Fact]
    public void Accuracy_vs_resolution_is_written()
    {
        var dir = TestData.NewTempDir();
        var acc = Path.Combine(dir, "acc.png");
        ReportFigures.AccuracyVsResolution(acc,
        [
            new("bicubic + recogniser", [(16, 0.61), (24, 0.70), (32, 0.78)]),
            new("SR cascade", [(32, 0.83), (16, 0.69), (24, 0.77)]),
        ], width: 700, height: 350);
        AssertPng(acc, 700, 350);
    }

    [Fact]
    public void Empty_input_is_rejected()
    {
        var path = Path.Combine(TestData.NewTempDir(), "x.png");
        Assert.Throws<ArgumentException>(() => ReportFigures.AccuracyVsResolution(path, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReportFigures.AccuracyVsResolution(path, [new ResolutionSeries("a", [(16, 0.5)])], 0, 10));
        Assert.False(File.Exists(path));
    }
}
