using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Models.Blocks;

/// <summary>
/// Parametric ReLU, f(x) = max(0, x) + a * min(0, x) with a learnt per channel (He et al., "Delving Deep into
/// Rectifiers", ICCV 2015). Same state-dict key as PyTorch (<c>weight</c>, shape <c>[channels]</c>, initialised to
/// 0.25). Unlike TorchSharp's <c>nn.PReLU</c> it accepts bfloat16 input: the float32 slope is cast to the input's
/// dtype, and the output keeps the input's dtype and layout (<c>[N, C, ...]</c>).
/// </summary>
public sealed class PrecisionPReLU : nn.Module<Tensor, Tensor>
{
    /// <summary>Slopes a, <c>[channels]</c>, float32.</summary>
    public readonly Parameter weight;

    /// <summary>Creates the activation.</summary>
    /// <param name="channels">Number of slopes (1 = shared, else the channel count C).</param>
    /// <param name="init">Initial slope.</param>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="channels"/> is not positive.</exception>
    public PrecisionPReLU(int channels, float init = 0.25f) : base(nameof(PrecisionPReLU))
    {
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), $"PReLU needs at least one slope; got {channels}.");
        weight = new Parameter(full(channels, init));
        RegisterComponents();
    }

    /// <summary>Applies the activation to <c>[N, C, ...]</c> (or <c>[N, C]</c>).</summary>
    /// <param name="input">Input, float32 or bfloat16; not disposed.</param>
    public override Tensor forward(Tensor input)
    {
        if (input.dtype == weight.dtype) return nn.functional.prelu(input, weight);
        using var a = weight.to(input.dtype);
        return nn.functional.prelu(input, a);
    }
}
