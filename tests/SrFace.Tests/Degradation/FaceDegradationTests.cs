using SrFace.Degradation;
using static TorchSharp.torch;

namespace SrFace.Tests.Degradation;

[Collection(TorchCollection.Name)]
public class FaceDegradationTests
{
    [Theory]
    [InlineData(2, 24, 20)]
    [InlineData(3, 16, 13)] // 40 / 3 rounds down
    [InlineData(4, 12, 10)]
    [InlineData(8, 6, 5)]
    public void ScaleGivesFlooredLowResolutionShape(int scale, long h, long w)
    {
        using var scope = NewDisposeScope();
        var hr = rand(2, 3, 48, 40);
        var lr = new FaceDegradation(new DegradationOptions(scale, BlurSigma: 0.8, NoiseSigma: 0.02, JpegQuality: 75)).Degrade(hr, seed: 1);
        Assert.Equal(new long[] { 2, 3, h, w }, lr.shape);
        Assert.Equal(float32, lr.dtype);
        Assert.True(lr.min().item<float>() >= 0 && lr.max().item<float>() <= 1);
    }

    [Fact]
    public void TargetSizeOverridesScale()
    {
        using var scope = NewDisposeScope();
        var lr = new FaceDegradation(new DegradationOptions(Scale: 4, TargetHeight: 14, TargetWidth: 12)).Degrade(rand(3, 1, 112, 96), seed: 0);
        Assert.Equal(new long[] { 3, 1, 14, 12 }, lr.shape);
    }

    [Fact]
    public void TooSmallImageOrBadOptionsThrowClearly()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() => new FaceDegradation(new DegradationOptions(8)).Degrade(rand(1, 3, 7, 64), seed: 0));
        Assert.Contains("7x64", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceDegradation(new DegradationOptions(NoiseSigma: new(0.2, 0.1))));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceDegradation(new DegradationOptions(JpegQuality: 0)));
        Assert.Throws<ArgumentException>(() => new FaceDegradation(new DegradationOptions(TargetHeight: 16)));
        Assert.Throws<ArgumentException>(() => new FaceDegradation(new DegradationOptions(JpegQuality: 50)).Degrade(rand(1, 2, 16, 16), seed: 0));
        Assert.Throws<ArgumentException>(() => new FaceDegradation(new DegradationOptions()).Degrade(rand(3, 16, 16), seed: 0));
    }

    [Fact]
    public void ConstantImageStaysConstantAfterBlurDownAndUp()
    {
        using var scope = NewDisposeScope();
        var hr = full(2, 3, 64, 48, 0.37f);
        var lr = new FaceDegradation(new DegradationOptions(4, BlurSigma: new(0.5, 2.5))).Degrade(hr, seed: 3);
        var back = FaceDegradation.Upsample(lr, 64, 48);
        Assert.Equal(hr.shape, back.shape);
        Assert.True((back - hr).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void BlurKeepsMeanAndSmoothsAnEdge()
    {
        using var scope = NewDisposeScope();
        var step = cat([zeros(1, 1, 16, 8), ones(1, 1, 16, 8)], 3);
        var blurred = FaceDegradation.GaussianBlur(step, 1.5);
        Assert.Equal(step.shape, blurred.shape);
        Assert.Equal(0.5, blurred.mean().item<float>(), 4);
        var edge = blurred[0, 0, 8, 7].item<float>();
        Assert.InRange(edge, 0.05f, 0.95f);
    }

    [Fact]
    public void NoiseAndJpegAreSeeded()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var hr = rand(3, 3, 64, 64);
        var degrader = new FaceDegradation(new DegradationOptions(2, BlurSigma: new(0, 1.5), NoiseSigma: new(0.01, 0.05), JpegQuality: new(30, 90)));
        var a = degrader.Degrade(hr, seed: 42);
        manual_seed(999); // the global generator must not matter
        var b = degrader.Degrade(hr, seed: 42);
        var c = degrader.Degrade(hr, seed: 43);
        Assert.True(a.eq(b).all().item<bool>());
        Assert.False(a.eq(c).all().item<bool>());
    }

    [Fact]
    public void JpegQuantisesToBytesAndChangesTheImage()
    {
        using var scope = NewDisposeScope();
        var hr = rand(2, 1, 32, 32, generator: new Generator(5));
        var plain = new FaceDegradation(new DegradationOptions(1)).Degrade(hr, seed: 0);
        var jpeg = new FaceDegradation(new DegradationOptions(1, JpegQuality: 20)).Degrade(hr, seed: 0);
        var steps = jpeg * 255;
        Assert.True((steps - steps.round()).abs().max().item<float>() < 1e-4f);
        Assert.True((jpeg - plain).abs().mean().item<float>() > 0.01f);
    }

    [Fact]
    public void X4LosesMoreThanX2OnRealLfwFaces()
    {
        using var scope = NewDisposeScope();
        var hr = FaceDegradation.ModCrop(LfwFaces.Load(6), 8); // [6, 3, 248, 248]
        double RoundTripPsnr(int scale)
        {
            var lr = new FaceDegradation(new DegradationOptions(scale)).Degrade(hr, seed: 0);
            var back = FaceDegradation.Upsample(lr, (int)hr.shape[2], (int)hr.shape[3]);
            return LfwFaces.Psnr(back, hr);
        }
        double x2 = RoundTripPsnr(2), x4 = RoundTripPsnr(4);
        Assert.InRange(x2, 20, 60);
        Assert.True(x4 < x2 - 1, $"x4 PSNR {x4:F2} dB should be clearly below x2 PSNR {x2:F2} dB");
    }
}
