using SrFace.Models.Blocks;
using SrFace.Runtime;
using static TorchSharp.torch;

namespace SrFace.Tests.Models.Blocks;

[Collection(TorchCollection.Name)]
public class InferenceKernelsTests
{
    /// <summary>dlib's conv + affine as one convolution: the same outputs and the same gradients for W, b, a and c.</summary>
    [Fact]
    public void A_convolution_with_a_folded_affine_computes_the_convolution_then_the_affine_with_the_same_gradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var conv = new PrecisionConv2d(8, 16, 3, padding: 1).ToChannelsLast();
        var scale = randn(16).requires_grad_(true);
        var shift = randn(16).requires_grad_(true);
        var x = rand(2, 8, 12, 12).ToChannelsLast();
        var upstream = randn(2, 16, 12, 12);

        var folded = conv.forward(x, scale, shift);
        folded.mul(upstream).sum().backward();
        var foldedGrads = new[] { conv.weight.grad!, conv.bias!.grad!, scale.grad!, shift.grad! }.Select(g => g.clone()).ToArray();
        foreach (var p in new[] { conv.weight, conv.bias!, scale, shift }) p.grad!.zero_();

        var sequential = conv.forward(x).mul(scale.view(1, -1, 1, 1)).add(shift.view(1, -1, 1, 1));
        sequential.mul(upstream).sum().backward();
        var sequentialGrads = new[] { conv.weight.grad!, conv.bias!.grad!, scale.grad!, shift.grad! };

        Assert.True(folded.allclose(sequential, rtol: 1e-4, atol: 1e-5), $"max difference {folded.sub(sequential).abs().max().item<float>()}");
        foreach (var (f, s) in foldedGrads.Zip(sequentialGrads))
            Assert.True(f.allclose(s, rtol: 1e-4, atol: 1e-4), $"gradient difference {f.sub(s).abs().max().item<float>()}");
    }

    /// <summary>
    /// A frozen layer keeps its bfloat16 kernels between calls made with autograd off (a weight changed in place is not
    /// seen, which is what makes it a cache), prepares fresh ones with autograd on, and again after thawing.
    /// </summary>
    [Fact]
    public void A_frozen_layer_reuses_its_kernels_only_with_autograd_off()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var conv = new PrecisionConv2d(4, 4, 3, padding: 1) { Precision = ComputePrecision.BFloat16 };
        var x = rand(1, 4, 8, 8).ToChannelsLast();
        Tensor Run() { using (no_grad()) return conv.forward(x).to(float32); }

        var fresh = Run();
        InferenceKernels.Freeze(conv);
        Assert.True(Same(Run(), fresh), "frozen kernels compute what fresh ones do");
        using (no_grad()) conv.weight.mul_(2);
        Assert.True(Same(Run(), fresh), "the kept kernels are used with autograd off");
        Assert.False(Same(conv.forward(x).to(float32), fresh), "autograd on: fresh kernels from the changed weights");
        InferenceKernels.Freeze(conv, frozen: false);
        Assert.False(Same(Run(), fresh), "thawed: every call prepares its kernels from the weights");
    }

    /// <summary>Folded kernels are kept per compute dtype: switching precision and back gives each precision's own result.</summary>
    [Fact]
    public void Kept_folded_kernels_follow_the_compute_precision()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        using var conv = new PrecisionConv2d(4, 8, 3, padding: 1);
        var (scale, shift) = (randn(8), randn(8));
        var x = rand(1, 4, 8, 8).ToChannelsLast();
        Tensor Run(ComputePrecision precision)
        {
            conv.Precision = precision;
            using (no_grad()) return conv.forward(x, scale, shift).to(float32);
        }

        var (fp32, bf16) = (Run(ComputePrecision.Float32), Run(ComputePrecision.BFloat16));
        InferenceKernels.Freeze(conv);
        Assert.True(Same(Run(ComputePrecision.BFloat16), bf16));
        Assert.True(Same(Run(ComputePrecision.Float32), fp32));
        Assert.True(Same(Run(ComputePrecision.BFloat16), bf16));
        Assert.False(Same(fp32, bf16), "the two precisions differ, so the cases above tell them apart");
    }

    private static bool Same(Tensor a, Tensor b) => a.eq(b).all().item<bool>();
}
