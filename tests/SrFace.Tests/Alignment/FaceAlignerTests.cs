using SrFace.Detection;
using SrFace.FaceAlignment;
using SrFace.Tests.Detection;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SrFace.Tests.Alignment;

[Collection(TorchCollection.Name)]
public sealed class FaceAlignerTests(ITestOutputHelper output)
{
    [Fact]
    public void UmeyamaRecoversAKnownSimilarityExactly()
    {
        var rng = new Random(7);
        var from = Enumerable.Range(0, 33).Select(_ => new PointF2(rng.NextDouble() * 150, rng.NextDouble() * 150)).ToList();
        var truth = SimilarityTransform.From(1.7, 15 * Math.PI / 180, 412.5, -33.25);
        var to = from.Select(truth.Apply).ToList();
        var fit = SimilarityTransform.Estimate(from, to);
        Assert.Equal(1.7, fit.Scale, 9);
        Assert.Equal(15 * Math.PI / 180, fit.Rotation, 9);
        Assert.Equal(412.5, fit.Tx, 7);
        Assert.Equal(-33.25, fit.Ty, 7);
        var back = fit.Inverse();
        foreach (var p in from) Assert.True(back.Apply(fit.Apply(p)).DistanceTo(p) < 1e-9);
    }

    [Fact]
    public void UmeyamaIsTheLeastSquaresFitUnderNoise()
    {
        // Perturbing the fitted parameters in any direction must not lower the squared error.
        var rng = new Random(3);
        var from = Enumerable.Range(0, 20).Select(_ => new PointF2(rng.NextDouble() * 100, rng.NextDouble() * 100)).ToList();
        var truth = SimilarityTransform.From(0.6, -0.4, 10, 20);
        var to = from.Select(p => truth.Apply(p)).Select(p => new PointF2(p.X + rng.NextDouble() - 0.5, p.Y + rng.NextDouble() - 0.5)).ToList();
        var fit = SimilarityTransform.Estimate(from, to);
        double Error(SimilarityTransform t) => from.Zip(to, (p, q) => Math.Pow(t.Apply(p).DistanceTo(q), 2)).Sum();
        var best = Error(fit);
        foreach (var d in new[] { (1e-3, 0.0, 0.0, 0.0), (-1e-3, 0, 0, 0), (0, 1e-3, 0, 0), (0, -1e-3, 0, 0), (0, 0, 1e-2, 0), (0, 0, 0, -1e-2) })
            Assert.True(Error(new SimilarityTransform(fit.A + d.Item1, fit.B + d.Item2, fit.Tx + d.Item3, fit.Ty + d.Item4)) > best);
    }

    [Fact]
    public void WarpSamplesAKnownImageThroughTheTransform()
    {
        // A linear image f(x, y) = (0.2 + 0.002 x + 0.001 y) is reproduced exactly by bilinear sampling inside the image.
        const int W = 200, H = 160, S = 64;
        using var image = LinearImage(W, H, 0.2f, 0.002f, 0.001f);
        var t = SimilarityTransform.From(1.3, 20 * Math.PI / 180, 60, 30);      // output pixel -> image pixel (integer centres)
        using var warped = FaceAligner.Warp(image, [t], S);
        Assert.Equal([1, 3, S, S], warped.shape);
        var values = warped[0, 1].contiguous().data<float>().ToArray();
        var checkedPixels = 0;
        for (var v = 0; v < S; v++)
            for (var u = 0; u < S; u++)
            {
                var p = t.Apply(new PointF2(u, v));
                if (p.X < 0 || p.Y < 0 || p.X > W - 1 || p.Y > H - 1) continue;
                Assert.Equal(0.2 + 0.002 * p.X + 0.001 * p.Y, values[v * S + u], 4);
                checkedPixels++;
            }
        Assert.True(checkedPixels > S * S / 2, $"only {checkedPixels} pixels fell inside the image");
    }

    /// <summary>A linear RGB image <c>[3, H, W]</c>: f(x, y) = c + ax x + ay y at pixel centres (x, y), which bilinear sampling reproduces exactly.</summary>
    internal static Tensor LinearImage(int width, int height, float c, float ax, float ay)
    {
        using var xs = arange(width, dtype: float32).view(1, 1, width).expand(3, height, width);
        using var ys = arange(height, dtype: float32).view(1, height, 1).expand(3, height, width);
        return (xs * ax + ys * ay + c).contiguous();
    }

    [Fact]
    public void RotatedLandmarksAreAlignedUpright()
    {
        // Landmarks = the ArcFace template rotated by 15 degrees, scaled by 2.5 and moved: the fitted transform
        // undoes exactly that, and the template points land on themselves.
        var template = AlignmentTemplate.ArcFace112;
        var place = SimilarityTransform.From(2.5, 15 * Math.PI / 180, 700, 200);
        var five = template.Points.Select(p => place.Apply(p)).Select(p => new PointF2(p.X + 0.5, p.Y + 0.5)).ToArray();
        var landmarks68 = new PointF2[68];
        for (var i = 0; i < 68; i++) landmarks68[i] = new PointF2(0, 0);
        for (var i = 36; i <= 41; i++) landmarks68[i] = five[0];
        for (var i = 42; i <= 47; i++) landmarks68[i] = five[1];
        (landmarks68[30], landmarks68[48], landmarks68[54]) = (five[2], five[3], five[4]);
        var fit = FaceAligner.Estimate(landmarks68, template, 112);
        Assert.Equal(15 * Math.PI / 180, fit.Rotation, 9);
        Assert.Equal(2.5, fit.Scale, 9);
    }

    [Fact]
    public void TemplatesHoldThePublishedConstants()
    {
        var dlib = AlignmentTemplate.DlibChip150;
        Assert.Equal(33, dlib.Points.Count);                                  // 68 - 17 minus eyebrows (10) and lower lip (8)
        Assert.Equal(27, dlib.Landmark68Indices![0]);
        Assert.DoesNotContain(57, dlib.Landmark68Indices);
        // Nose bridge top (27): mean (0.490127, 0.203352) -> (0.25 + m) / 1.5 * 150.
        Assert.Equal((0.25 + 0.490127) / 1.5 * 150, dlib.Points[0].X, 9);
        Assert.Equal((0.25 + 0.203352) / 1.5 * 150, dlib.Points[0].Y, 9);
        Assert.All(dlib.Points, p => Assert.InRange(p.X, 0, 150));
        Assert.Equal(new PointF2(38.2946, 51.6963), AlignmentTemplate.ArcFace112.Points[0]);
        Assert.Equal(new PointF2(70.7299, 92.2041), AlignmentTemplate.ArcFace112.Points[4]);
        // Scaling to another size keeps the chip's edges: the centre stays the centre.
        var p = AlignmentTemplate.ArcFace112 with { Points = [new PointF2(55.5, 55.5), new PointF2(0, 0)] };
        Assert.Equal(new PointF2(111.5, 111.5), p.PointsFor(224)[0]);
    }

    [Fact]
    public void CentredCropTemplateIgnoresTheFace()
    {
        using var image = rand(3, 250, 250);
        var face = new DetectedFace(new FaceBox(0, 0, 10, 10), 0.9, FaceDetectorKind.Tiny, null, null, new FaceSize(null, 10));
        using var a = FaceAligner.Align(image, face, AlignmentTemplate.CentredCrop(0.48), 112);
        using var b = SrFace.Data.FaceCropper.CropAndResize(image, new SrFace.Data.FacePreprocessing(112, 0.48), "x");
        Assert.Equal(0, a.sub(b).abs().max().item<float>(), 6);
    }

    [Fact]
    public void LfwFaceIsAlignedToTheDlibChip()
    {
        using var image = DetectionModels.ReadImage("lfw/lfw-deepfunneled/George_W_Bush/George_W_Bush_0002.jpg");
        var result = DetectionModels.Detector.Detect(image);
        var face = Assert.Single(result);
        Assert.NotNull(face.Landmarks68);
        using var chip = FaceAligner.Align(image, face, AlignmentTemplate.DlibChip150, 150);
        Assert.Equal([3, 150, 150], chip.shape);
        // After alignment the chosen landmarks sit near dlib's mean face: residual of the least-squares fit.
        var fit = FaceAligner.Estimate(face.Landmarks68!, AlignmentTemplate.DlibChip150, 150).Inverse();
        var moved = AlignmentTemplate.DlibChip150.SelectLandmarks(face.Landmarks68!).Select(p => fit.Apply(new PointF2(p.X - 0.5, p.Y - 0.5))).ToList();
        var residual = moved.Zip(AlignmentTemplate.DlibChip150.Points, (a, b) => a.DistanceTo(b)).Average();
        output.WriteLine($"dlib chip: mean residual {residual:0.00} px, rotation {fit.Rotation * 180 / Math.PI:0.0} deg, scale {fit.Scale:0.000}");
        Assert.InRange(residual, 0, 6);
        Assert.InRange(chip.mean().item<float>(), 0.05f, 0.95f);
    }
}
