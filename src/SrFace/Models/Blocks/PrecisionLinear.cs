using SrFace.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Models.Blocks;

/// <summary>
/// A fully connected layer y = x W^T + b (PyTorch <c>nn.Linear</c> semantics, state-dict keys <c>weight</c>,
/// <c>bias</c>) with float32 master weights, cast to bfloat16 inside <c>forward</c> under
/// <see cref="ComputePrecision.BFloat16"/>. Input <c>[N, in]</c>, output <c>[N, out]</c> in the compute dtype.
/// </summary>
public sealed class PrecisionLinear : PrecisionLayer
{
    /// <summary>Weight <c>[out, in]</c>, float32.</summary>
    public readonly Parameter weight;

    /// <summary>Bias <c>[out]</c>, float32, or null when built without bias.</summary>
    public readonly Parameter? bias;

    /// <summary>Creates the layer.</summary>
    /// <param name="inFeatures">Input width.</param>
    /// <param name="outFeatures">Output width.</param>
    /// <param name="bias">Whether to learn a bias.</param>
    /// <exception cref="ArgumentOutOfRangeException">When a width is not positive.</exception>
    public PrecisionLinear(int inFeatures, int outFeatures, bool bias = true) : base(nameof(PrecisionLinear))
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Invalid linear layer {inFeatures}->{outFeatures}.");
        weight = new Parameter(empty(outFeatures, inFeatures));
        this.bias = bias ? new Parameter(empty(outFeatures)) : null;
        ParameterInit.ResetLikePyTorch(weight, this.bias, fanIn: inFeatures);
        RegisterComponents();
    }

    /// <summary>Maps <c>[N, in]</c> to <c>[N, out]</c> in the compute dtype.</summary>
    /// <param name="input">Input, float32 or bfloat16; not disposed.</param>
    public override Tensor forward(Tensor input)
    {
        using var x = PrecisionPropagation.ToCompute(input, Precision);
        if (Precision == ComputePrecision.Float32) return nn.functional.linear(x, weight, bias);
        using var scope = NewDisposeScope();
        var (w, b) = Kernels.Get(bfloat16, folded: false, () => (weight.to(bfloat16), bias?.to(bfloat16)));
        return nn.functional.linear(x, w, b).MoveToOuterDisposeScope();
    }
}
