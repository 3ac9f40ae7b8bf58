using SrFace.Cli.Commands;
using SrFace.Data;
using SrFace.Detection;
using SrFace.FaceAlignment;
using SrFace.Models;
using static TorchSharp.torch;

namespace SrFace.Tests.Alignment;

[Collection(TorchCollection.Name)]
public sealed class LandmarkBoxTests
{
    /// <summary>68 landmarks whose eye centres are (100, 120) and (160, 120) and mouth centre (130, 180), each group
    /// spread symmetrically about its centre (so only the means can give those centres), the rest far away.</summary>
    private static PointF2[] Face(SimilarityTransform? move = null)
    {
        var t = move ?? SimilarityTransform.Identity;
        var points = Enumerable.Repeat(t.Apply(new PointF2(-500, 900)), 68).ToArray();
        void Spread(int first, int count, double cx, double cy, double radius)
        {
            for (var k = 0; k < count; k++)
            {
                var a = 2 * Math.PI * k / count;
                points[first + k] = t.Apply(new PointF2(cx + radius * Math.Cos(a), cy + radius * Math.Sin(a)));
            }
        }
        Spread(36, 6, 100, 120, 8);
        Spread(42, 6, 160, 120, 8);
        Spread(48, 20, 130, 180, 20);
        return points;
    }

    [Fact]
    public void SquareFollowsFaceApisRuleFromTheEyeAndMouthCentres()
    {
        // Eye-to-mouth distance sqrt(30² + 60²) = 67.0820 for both eyes; side = 67.0820 / 0.45 = 149.0712;
        // centroid of the three centres (130, 140) sits at (0.5, 0.43) of the square.
        var (x, y, side) = LandmarkBox.FaceApi.Square(LandmarkBox.Landmark68Indices.Select(i => Face()[i]).ToList());
        Assert.Equal(149.0712, side, 4);
        Assert.Equal(130 - 0.5 * 149.0712, x, 3);
        Assert.Equal(140 - 0.43 * 149.0712, y, 3);
    }

    [Fact]
    public void TemplateIsAnUprightSquareWhateverTheHeadRoll()
    {
        // Rolling the face by 20 degrees about the centroid moves no centre's distances and keeps the centroid:
        // the box (and so the transform) is the same, unrotated, at scale side / S.
        var roll = SimilarityTransform.From(1, 20 * Math.PI / 180, 0, 0);
        var about = new SimilarityTransform(roll.A, roll.B, 130 - roll.Apply(new PointF2(130, 140)).X, 140 - roll.Apply(new PointF2(130, 140)).Y);
        var template = FacePreparer.TemplateOf(FaceAlignmentTemplate.LandmarkBox);
        Assert.Same(AlignmentTemplate.FaceApiLandmarkBox, template);
        var upright = FaceAligner.Estimate(Face(), template!, 150);
        var rolled = FaceAligner.Estimate(Face(about), template!, 150);
        Assert.Equal(0, upright.B);
        Assert.Equal(149.0712 / 150, upright.Scale, 6);
        Assert.Equal(upright.A, rolled.A, 9);
        Assert.Equal(upright.Tx, rolled.Tx, 9);
        Assert.Equal(upright.Ty, rolled.Ty, 9);
        // The dlib chip, by contrast, follows the roll.
        Assert.Equal(20 * Math.PI / 180, FaceAligner.Estimate(Face(about), AlignmentTemplate.DlibChip150, 150).Rotation - FaceAligner.Estimate(Face(), AlignmentTemplate.DlibChip150, 150).Rotation, 6);
    }

    [Fact]
    public void WarpResamplesTheSquareOfASyntheticImage()
    {
        // A linear image f(x, y) = 0.1 + 0.002 x + 0.001 y (x, y at pixel centres) is reproduced exactly by bilinear
        // sampling: chip pixel (u, v) of an S-pixel chip over the square [x0, x0 + side) holds f at the continuous point
        // x0 + (u + 0.5) side / S, i.e. pixel-centre coordinate that minus 0.5.
        const int W = 300, H = 300, S = 150;
        using var image = FaceAlignerTests.LinearImage(W, H, 0.1f, 0.002f, 0.001f);
        var face = Face();
        using var chip = FaceAligner.Align(image, face, AlignmentTemplate.FaceApiLandmarkBox, S);
        Assert.Equal([3, S, S], chip.shape);
        var (x0, y0, side) = LandmarkBox.FaceApi.Square(LandmarkBox.Landmark68Indices.Select(i => face[i]).ToList());
        var values = chip[0].contiguous().data<float>().ToArray();
        foreach (var (u, v) in new[] { (0, 0), (149, 0), (0, 149), (149, 149), (75, 64), (31, 120) })
        {
            var (px, py) = (x0 + (u + 0.5) * side / S - 0.5, y0 + (v + 0.5) * side / S - 0.5);
            Assert.Equal(0.1 + 0.002 * px + 0.001 * py, values[v * S + u], 4);
        }
    }

    [Fact]
    public void BadLandmarksAreClearErrors()
    {
        Assert.Throws<ArgumentException>(() => LandmarkBox.FaceApi.Square(new PointF2[31]));
        var same = Enumerable.Repeat(new PointF2(5, 5), 32).ToList();
        Assert.Throws<ArgumentException>(() => LandmarkBox.FaceApi.Square(same));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LandmarkBox(EyeMouthFraction: 0).Validate());
        Assert.Throws<ArgumentException>(() => FaceAligner.Estimate(new PointF2[5], AlignmentTemplate.FaceApiLandmarkBox, 150));
    }

    [Fact]
    public void EvaluateFramingOptionPicksTheTemplate()
    {
        var model = new FacePreprocessing(150, 0.44, Alignment: FaceAlignmentTemplate.DlibChip);
        Assert.Equal(model, EvaluateCommand.Framing(model, null, null));
        Assert.Equal(model with { Alignment = FaceAlignmentTemplate.LandmarkBox }, EvaluateCommand.Framing(model, "landmark-box", null));
        Assert.Equal(model.CentredCrop(0.44), EvaluateCommand.Framing(model, "centred", null));
        Assert.Equal(model.CentredCrop(0.5), EvaluateCommand.Framing(model, "centred", 0.5));
        Assert.Equal(model.CentredCrop(0.5), EvaluateCommand.Framing(model, null, 0.5));
        Assert.False(new EvaluateCommand.Settings { Alignment = "box" }.Validate().Successful);
        Assert.False(new EvaluateCommand.Settings { Alignment = "dlib-chip", CropFraction = 0.4 }.Validate().Successful);
        Assert.True(new EvaluateCommand.Settings { Alignment = "landmark-box" }.Validate().Successful);
    }
}
