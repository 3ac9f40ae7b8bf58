using SrFace.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Models.Blocks;

/// <summary>
/// A 2-D transposed convolution ("deconvolution"; PyTorch <c>nn.ConvTranspose2d</c> semantics, state-dict keys
/// <c>weight</c>, <c>bias</c>) with float32 master weights, cast to bfloat16 inside <c>forward</c> under
/// <see cref="ComputePrecision.BFloat16"/>. Input <c>[N, Cin, H, W]</c>, output <c>[N, Cout, H', W']</c> with
/// H' = (H - 1) * stride - 2 * padding + k + outputPadding.
/// </summary>
public sealed class PrecisionConvTranspose2d : PrecisionLayer
{
    private readonly long[] _stride, _padding, _outputPadding, _dilation;

    /// <summary>Kernel <c>[Cin, Cout, k, k]</c> (PyTorch's transposed layout), float32.</summary>
    public readonly Parameter weight;

    /// <summary>Bias <c>[Cout]</c>, float32.</summary>
    public readonly Parameter bias;

    /// <summary>Creates the transposed convolution.</summary>
    /// <param name="inChannels">Input channels Cin.</param>
    /// <param name="outChannels">Output channels Cout.</param>
    /// <param name="kernelSize">Square kernel side k.</param>
    /// <param name="stride">Stride = upscaling factor.</param>
    /// <param name="padding">Padding removed from each border of the full output.</param>
    /// <param name="outputPadding">Extra rows/columns added at the bottom/right (must be below <paramref name="stride"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">When a size is invalid.</exception>
    public PrecisionConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int outputPadding)
        : base(nameof(PrecisionConvTranspose2d))
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0 || stride <= 0 || padding < 0 || outputPadding < 0 || outputPadding >= stride)
            throw new ArgumentOutOfRangeException(nameof(inChannels), $"Invalid transposed convolution {inChannels}->{outChannels}, k={kernelSize}, stride={stride}, padding={padding}, output padding={outputPadding}.");
        _stride = [stride, stride];
        _padding = [padding, padding];
        _outputPadding = [outputPadding, outputPadding];
        _dilation = [1, 1];
        weight = new Parameter(empty(inChannels, outChannels, kernelSize, kernelSize));
        bias = new Parameter(empty(outChannels));
        // PyTorch computes fan-in of a transposed kernel from its dimension 1 (Cout) times k * k.
        ParameterInit.ResetLikePyTorch(weight, bias, fanIn: outChannels * kernelSize * kernelSize);
        RegisterComponents();
    }

    /// <summary>Stride = upscaling factor, as built.</summary>
    public int Stride => (int)_stride[0];

    /// <summary>Padding removed from each border of the full output, as built.</summary>
    public int Padding => (int)_padding[0];

    /// <summary>Extra rows/columns at the bottom/right, as built.</summary>
    public int OutputPadding => (int)_outputPadding[0];

    /// <summary>Upsamples <c>[N, Cin, H, W]</c> into <c>[N, Cout, H', W']</c> in the compute dtype.</summary>
    /// <param name="input">Input batch, float32 or bfloat16; not disposed.</param>
    public override Tensor forward(Tensor input)
    {
        using var x = PrecisionPropagation.ToCompute(input, Precision);
        if (Precision == ComputePrecision.Float32)
            return nn.functional.conv_transpose2d(x, weight, bias, _stride, _padding, _outputPadding, _dilation, 1);
        using var scope = NewDisposeScope();
        var (w, b) = Kernels.Get(bfloat16, folded: false, () => (weight.to(bfloat16), bias.to(bfloat16)));
        return nn.functional.conv_transpose2d(x, w, b, _stride, _padding, _outputPadding, _dilation, 1).MoveToOuterDisposeScope();
    }
}
