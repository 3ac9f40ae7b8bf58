using SrFace.Models.Blocks;
using SrFace.Runtime;
using static TorchSharp.torch;

namespace SrFace.Tests.Models.Blocks;

[Collection(TorchCollection.Name)]
public class PrecisionBlockTests
{
    /// <summary>
    /// Guard for the CPU bug in TORCHSHARP-NOTES.md: NCHW conv input gradients are wrong for some output-channel
    /// counts. In the channels-last layout the project uses they must match a float64 reference.
    /// </summary>
    [Theory]
    [InlineData(3, 56, 5)] [InlineData(12, 12, 3)] [InlineData(8, 24, 3)] [InlineData(56, 12, 1)]
    public void ChannelsLastConvInputGradientMatchesFloat64(int cin, int cout, int k)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var conv = new PrecisionConv2d(cin, cout, k, padding: k / 2).ToChannelsLast();
        var x = randn(4, cin, 20, 20).ToChannelsLast().requires_grad_(true);
        var upstream = randn(4, cout, 20, 20);
        conv.forward(x).mul(upstream).sum().backward();

        var x64 = x.detach().to(float64).requires_grad_(true);
        nn.functional.conv2d(x64, conv.weight.detach().to(float64), conv.bias!.detach().to(float64), padding: [k / 2, k / 2])
            .mul(upstream.to(float64)).sum().backward();
        double error = x.grad!.to(float64).sub(x64.grad!).abs().max().item<double>();
        Assert.True(error < 1e-3, $"input-gradient error {error}");
    }

    [Fact]
    public void BlocksComputeInBFloat16AndKeepFloat32Weights()
    {
        using var scope = NewDisposeScope();
        var conv = new PrecisionConv2d(3, 4, 3, padding: 1) { Precision = ComputePrecision.BFloat16 };
        var deconv = new PrecisionConvTranspose2d(4, 3, 9, stride: 2, padding: 4, outputPadding: 1) { Precision = ComputePrecision.BFloat16 };
        var linear = new PrecisionLinear(5, 2) { Precision = ComputePrecision.BFloat16 };
        var prelu = new PrecisionPReLU(4);
        var h = prelu.forward(conv.forward(rand(1, 3, 6, 6).ToChannelsLast()));
        Assert.Equal(ScalarType.BFloat16, h.dtype);
        Assert.Equal(new long[] { 1, 3, 12, 12 }, deconv.forward(h).shape);
        Assert.Equal(ScalarType.BFloat16, linear.forward(rand(2, 5)).dtype);
        Assert.Equal(ScalarType.Float32, conv.weight.dtype);
        Assert.Equal(["weight", "bias"], conv.state_dict().Keys);
        Assert.Equal(["weight"], new PrecisionConv2d(3, 4, 3, bias: false).state_dict().Keys);
    }
}
