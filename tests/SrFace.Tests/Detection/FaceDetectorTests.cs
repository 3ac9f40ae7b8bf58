using System.Diagnostics;
using System.Text.Json;
using SrFace.Detection;
using SrFace.FaceAlignment;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SrFace.Tests.Detection;

/// <summary>The facade's outcomes: no face, several faces, too small for landmarks, large photos, fallbacks.</summary>
[Collection(TorchCollection.Name)]
public sealed class FaceDetectorTests(ITestOutputHelper output)
{
    private static FaceDetector Detector => DetectionModels.Detector;

    [Fact]
    public void BlankWallAndNoiseGiveNoFace()
    {
        using var wall = full(3, 480, 640, 0.6f);
        var blank = Detector.Detect(wall);
        Assert.Equal(DetectionOutcome.NoFace, blank.Outcome);
        Assert.Null(blank.Largest);
        Assert.Empty(blank);
        manual_seed(1);
        using var noise = rand(3, 480, 640);
        Assert.Equal(DetectionOutcome.NoFace, Detector.Detect(noise).Outcome);
    }

    [Fact]
    public void TwoFacesSideBySideAreBothFoundLargestFirst()
    {
        using var a = DetectionModels.ReadImage("lfw/lfw-deepfunneled/George_W_Bush/George_W_Bush_0002.jpg");
        using var b = DetectionModels.ReadImage("lfw/lfw-deepfunneled/Serena_Williams/Serena_Williams_0001.jpg");
        using var small = nn.functional.interpolate(b.unsqueeze(0), [180, 180], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true).squeeze(0);
        using var canvas = zeros(3, 250, 500);
        canvas.narrow(2, 0, 250).copy_(a);
        canvas.narrow(1, 35, 180).narrow(2, 290, 180).copy_(small);
        var result = Detector.Detect(canvas);
        Assert.Equal(DetectionOutcome.SeveralFaces, result.Outcome);
        Assert.Equal(2, result.Count);
        Assert.Same(result[0], result.Largest);
        Assert.True(result[0].Box.Area > result[1].Box.Area);
        Assert.InRange(result[0].Box.X + result[0].Box.Width / 2, 0, 250);          // the full-size face, on the left
        Assert.InRange(result[1].Box.X + result[1].Box.Width / 2, 290, 470);
        Assert.All(result, f => Assert.Equal(68, f.Landmarks68!.Count));
        using var chips = FaceAligner.AlignMany(canvas, result, AlignmentTemplate.ArcFace112, 112);
        Assert.Equal([2, 3, 112, 112], chips.shape);
    }

    [Fact]
    public void FaceTooSmallForLandmarksFallsBackToTheBoxAndSaysSo()
    {
        using var image = DetectionModels.ReadImage("lfw/lfw-deepfunneled/Hugo_Chavez/Hugo_Chavez_0001.jpg");
        // Shares the loaded networks with the shared detector, so it is deliberately not disposed here.
        var strict = new FaceDetector(Detector.Tiny, Detector.Ssd, Detector.Landmarks, new FaceDetectorOptions() with { MinLandmarkBoxSide = 500 });
        var face = Assert.Single(strict.Detect(image));
        Assert.True(face.LandmarksFromBox);
        Assert.Null(face.FivePoints);
        Assert.Null(face.Size.InterOcularDistance);
        Assert.Equal(face.Box.Side, face.Size.BoxSide, 9);
        using var chip = FaceAligner.Align(image, face, AlignmentTemplate.DlibChip150, 150);
        Assert.Equal([3, 150, 150], chip.shape);
        // The same face with landmarks: eye distance and five points are there.
        var full = Assert.Single(Detector.Detect(image));
        Assert.False(full.LandmarksFromBox);
        Assert.InRange(full.Size.InterOcularDistance!.Value, 20, 80);
        Assert.Equal(full.Landmarks68![30], full.FivePoints!.Nose);
    }

    [Fact]
    public void SmallFaceInA1280PhotoIsFoundByTheLargeInputFallback()
    {
        var spec = SyntheticSpec();
        using var photo = SyntheticPhoto.Build(spec, out _);
        var result = Detector.Detect(photo);
        var face = Assert.Single(result);
        Assert.Equal(FaceDetectorKind.TinyLarge, face.Detector);      // tiny@416 and SSD (score 0.33 < 0.5) find nothing
        var golden = GoldenDetectionTests.ReadBox(Golden().GetProperty("tiny_large")[0].GetProperty("box"));
        Assert.True(face.Box.IoU(golden) > 0.95, $"IoU {face.Box.IoU(golden):0.000}");
        Assert.False(face.LandmarksFromBox);
        output.WriteLine($"synthetic: box {face.Box}, eye distance {face.Size.InterOcularDistance:0.0} px");
    }

    [Fact]
    public void VeryLargePhotoIsDownscaledForDetectionAndMappedBack()
    {
        var spec = SyntheticSpec();
        using var photo = SyntheticPhoto.Build(spec, out _);
        using var big = nn.functional.interpolate(photo.unsqueeze(0), [2160, 3840], mode: InterpolationMode.Bilinear, align_corners: false).squeeze(0);
        var result = Detector.Detect(big);
        Assert.Equal(0.5, result.DetectionScale, 9);
        Assert.Equal((3840, 2160), (result.ImageWidth, result.ImageHeight));
        var face = Assert.Single(result);
        var golden = GoldenDetectionTests.ReadBox(Golden().GetProperty("tiny_large")[0].GetProperty("box")).Scale(3, 3);
        output.WriteLine($"3840x2160: {face.Detector}, box {face.Box} vs {golden}, IoU {face.Box.IoU(golden):0.000}");
        Assert.True(face.Box.IoU(golden) > 0.7, $"IoU {face.Box.IoU(golden):0.000}");
        Assert.All(face.Landmarks68!, p => Assert.True(golden.X - 30 < p.X && p.X < golden.Right + 30 && golden.Y - 30 < p.Y && p.Y < golden.Bottom + 30));
    }

    [Fact]
    public void TimingPerPhoto()
    {
        // Measured, not asserted (machines are noisy): detector + landmarks + dlib-chip warp per photo.
        using var lfw = DetectionModels.ReadImage("lfw/lfw-deepfunneled/George_W_Bush/George_W_Bush_0002.jpg");
        using var synthetic = SyntheticPhoto.Build(SyntheticSpec(), out _);
        using var hd = nn.functional.interpolate(synthetic.unsqueeze(0), [1080, 1920], mode: InterpolationMode.Bilinear, align_corners: false).squeeze(0);
        foreach (var (name, image) in new[] { ("250x250 LFW", lfw), ("1920x1080 small face", hd) })
        {
            Detector.Detect(image);                                                 // warm-up
            const int runs = 3;
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < runs; i++)
            {
                var r = Detector.Detect(image);
                using var chips = FaceAligner.AlignMany(image, r, AlignmentTemplate.DlibChip150, 150);
            }
            output.WriteLine($"{name}: {sw.Elapsed.TotalMilliseconds / runs:0} ms per photo (detect + landmarks + warp), {Detector.Detect(image).Largest?.Detector}");
        }
    }

    private static JsonElement Golden() =>
        JsonDocument.Parse(File.ReadAllText(DetectionModels.GoldenPath)).RootElement.GetProperty("images").EnumerateArray()
            .Single(i => i.GetProperty("name").GetString() == "synthetic");

    private static JsonElement SyntheticSpec() => Golden().GetProperty("synthetic");
}
