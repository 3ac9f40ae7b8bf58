using SrFace.Models.Blocks;
using SrFace.Models.SuperResolution;
using SrFace.Runtime;
using static TorchSharp.torch;

namespace SrFace.Tests.Models;

[Collection(TorchCollection.Name)]
public class SuperResolutionModelTests
{
    private static SuperResolutionModel Tiny(string name, int scale) => name switch
    {
        "srcnn" => new Srcnn(new SrcnnOptions(scale, N1: 8, N2: 4)),
        "fsrcnn" => new Fsrcnn(new FsrcnnOptions(scale, D: 8, S: 4, M: 1)),
        "srresnet" => new SrResNet(new SrResNetOptions(scale, B: 1, Width: 8)),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [InlineData("srcnn", 64, 2)] [InlineData("srcnn", 64, 4)] [InlineData("srcnn", 112, 8)]
    [InlineData("fsrcnn", 64, 2)] [InlineData("fsrcnn", 64, 4)] [InlineData("fsrcnn", 64, 8)]
    [InlineData("fsrcnn", 112, 2)] [InlineData("fsrcnn", 112, 4)] [InlineData("fsrcnn", 112, 8)]
    [InlineData("srresnet", 64, 2)] [InlineData("srresnet", 64, 4)] [InlineData("srresnet", 64, 8)]
    [InlineData("srresnet", 112, 2)] [InlineData("srresnet", 112, 4)] [InlineData("srresnet", 112, 8)]
    [InlineData("srcnn", 112, 2)] [InlineData("srcnn", 112, 4)] [InlineData("srcnn", 64, 8)]
    public void MapsLowResolutionToScaleTimesLargerFloat32(string name, int hr, int scale)
    {
        using var scope = NewDisposeScope();
        var model = Tiny(name, scale);
        var lr = rand(2, 3, hr / scale, hr / scale);
        var sr = model.forward(lr);
        Assert.Equal(new long[] { 2, 3, hr, hr }, sr.shape);
        Assert.Equal(ScalarType.Float32, sr.dtype);
        Assert.True(sr.isfinite().all().item<bool>());
        Assert.Equal(scale, model.Scale);
    }

    [Fact]
    public void SrResNetScaleThreeUsesOneShuffleStage()
    {
        using var scope = NewDisposeScope();
        var model = new SrResNet(new SrResNetOptions(3, Channels: 1, B: 1, Width: 8));
        Assert.Equal(new long[] { 1, 1, 30, 30 }, model.forward(rand(1, 1, 10, 10)).shape);
        Assert.Single(model.state_dict().Keys, k => k.StartsWith("upsampling.") && k.EndsWith("conv.weight"));
    }

    [Fact]
    public void ConvolutionKernelsAreChannelsLastAfterConstruction()
    {
        using var scope = NewDisposeScope();
        var model = Tiny("fsrcnn", 4);
        // 1x1 kernels are laid out identically in both formats, and IsChannelsLast (strict on size-1 strides) says no.
        var kernels = model.parameters().Where(p => p.dim() == 4 && p.shape[2] * p.shape[3] > 1).ToList();
        Assert.Equal(3, kernels.Count);
        Assert.All(kernels, p => Assert.True(p.IsChannelsLast()));
    }

    [Fact]
    public void FsrcnnKeyListAndParameterCountMatchThePaperConfiguration()
    {
        using var scope = NewDisposeScope();
        var model = new Fsrcnn(new FsrcnnOptions(4, Channels: 3, D: 56, S: 12, M: 4));
        var expected = new List<string> { "first_part.0.weight", "first_part.0.bias", "first_part.1.weight" };
        for (int i = 0; i < 6; i++) expected.AddRange([$"mid_part.{2 * i}.weight", $"mid_part.{2 * i}.bias", $"mid_part.{2 * i + 1}.weight"]);
        expected.AddRange(["last_part.weight", "last_part.bias"]);
        Assert.Equal(expected, model.state_dict().Keys);
        // 5x5 3->56 (+bias, +56 slopes), 1x1 56->12, 4 x 3x3 12->12, 1x1 12->56 (each + bias + slopes), 9x9 deconv 56->3 + bias.
        long count = (25 * 3 * 56 + 56 + 56) + (56 * 12 + 12 + 12) + 4 * (9 * 12 * 12 + 12 + 12) + (12 * 56 + 56 + 56) + (81 * 56 * 3 + 3);
        Assert.Equal(24_683, count);
        Assert.Equal(count, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void BFloat16ForwardIsCloseToFloat32AndReturnsFloat32()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var model = new SrResNet(new SrResNetOptions(2, B: 2, Width: 16));
        model.eval();
        var lr = rand(2, 3, 16, 16);
        using var _ = no_grad();
        var reference = model.forward(lr);
        model.Precision = ComputePrecision.BFloat16;
        Assert.All(model.modules().OfType<IPrecisionAware>(), m => Assert.Equal(ComputePrecision.BFloat16, m.Precision));
        var low = model.forward(lr);
        Assert.Equal(ScalarType.Float32, low.dtype);
        double relative = low.sub(reference).norm().item<float>() / reference.norm().item<float>();
        Assert.InRange(relative, 0, 0.05);
        Assert.True(relative > 0, "bf16 path must actually compute in bf16");
    }

    [Fact]
    public void OneSgdStepLowersFsrcnnL1Loss()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var model = new Fsrcnn(new FsrcnnOptions(2, D: 8, S: 4, M: 1));
        var hr = rand(4, 3, 32, 32);
        var lr = nn.functional.interpolate(hr, size: [16, 16], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true);
        var loss = new SrFace.Losses.L1Loss();
        var optimizer = optim.SGD(model.parameters(), 0.05);
        var before = loss.forward(model.forward(lr), hr);
        optimizer.zero_grad();
        before.backward();
        optimizer.step();
        using var _ = no_grad();
        var after = loss.forward(model.forward(lr), hr);
        Assert.True(after.item<float>() < before.item<float>(), $"L1 {before.item<float>()} -> {after.item<float>()}");
    }

    [Fact]
    public void PaperSizedFsrcnnTrainsWithoutNaNAndBFloat16BackwardGivesFloat32Gradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var model = new Fsrcnn(new FsrcnnOptions(2, D: 56, S: 12, M: 4));
        var hr = rand(4, 3, 32, 32);
        var lr = nn.functional.interpolate(hr, size: [16, 16], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true);
        var loss = new SrFace.Losses.L1Loss();
        var optimizer = optim.Adam(model.parameters(), 1e-3);
        float first = float.NaN, last = float.NaN;
        for (int step = 0; step < 10; step++)
        {
            using var stepScope = NewDisposeScope();
            if (step == 5) model.Precision = ComputePrecision.BFloat16;
            optimizer.zero_grad();
            var l = loss.forward(model.forward(lr), hr);
            l.backward();
            Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.grad!.dtype));
            Assert.All(model.parameters(), p => Assert.True(p.grad!.isfinite().all().item<bool>()));
            optimizer.step();
            last = l.item<float>();
            if (step == 0) first = last;
        }
        Assert.True(last < first, $"L1 {first} -> {last}");
    }

    [Fact]
    public void DiscriminatorGivesOneLogitPerImageAt64And112()
    {
        using var scope = NewDisposeScope();
        var d = new SrganDiscriminator(new SrganDiscriminatorOptions(Width: 4, DenseWidth: 16));
        foreach (var side in new[] { 64, 112 })
        {
            var logits = d.forward(rand(2, 3, side, side));
            Assert.Equal(new long[] { 2, 1 }, logits.shape);
            Assert.Equal(ScalarType.Float32, logits.dtype);
        }
        Assert.Throws<ArgumentException>(() => d.forward(rand(2, 3, 8, 8)));
    }

    [Fact]
    public void RejectsUnsupportedScaleAndWrongChannels()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentOutOfRangeException>(() => new Fsrcnn(new FsrcnnOptions(5)));
        var model = Tiny("srcnn", 2);
        Assert.Throws<ArgumentException>(() => model.forward(rand(1, 1, 8, 8)));
    }
}
