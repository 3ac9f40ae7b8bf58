using SrFace.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Models.Blocks;

/// <summary>
/// A 2-D convolution (PyTorch <c>nn.Conv2d</c> semantics and state-dict keys <c>weight</c>, <c>bias</c>) that keeps
/// float32 master weights and, under <see cref="ComputePrecision.BFloat16"/>, casts input and weights to bfloat16
/// inside <c>forward</c> (TorchSharp has no autocast). Input <c>[N, Cin, H, W]</c>, output
/// <c>[N, Cout, H', W']</c> in the compute dtype (bfloat16 or float32); feed channels-last tensors.
/// </summary>
/// <remarks>Weights are initialised like PyTorch's <c>reset_parameters</c> (Kaiming-uniform, a = sqrt(5)); models re-initialise as their paper says.</remarks>
public sealed class PrecisionConv2d : PrecisionLayer
{
    private readonly long[] _stride, _padding, _dilation;
    private readonly long _groups;

    /// <summary>Kernel <c>[Cout, Cin/groups, k, k]</c>, float32.</summary>
    public readonly Parameter weight;

    /// <summary>Bias <c>[Cout]</c>, float32, or null when built without bias.</summary>
    public readonly Parameter? bias;

    /// <summary>Creates the convolution.</summary>
    /// <param name="inChannels">Input channels Cin.</param>
    /// <param name="outChannels">Output channels Cout.</param>
    /// <param name="kernelSize">Square kernel side k.</param>
    /// <param name="stride">Stride (both axes).</param>
    /// <param name="padding">Zero padding (both axes).</param>
    /// <param name="groups">Groups (Cin for a depthwise convolution).</param>
    /// <param name="bias">Whether to learn a bias.</param>
    /// <exception cref="ArgumentOutOfRangeException">When a size is not positive or channels do not divide by groups.</exception>
    public PrecisionConv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int groups = 1, bool bias = true)
        : base(nameof(PrecisionConv2d))
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0 || stride <= 0 || padding < 0 || groups <= 0
            || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentOutOfRangeException(nameof(inChannels), $"Invalid convolution {inChannels}->{outChannels}, k={kernelSize}, stride={stride}, padding={padding}, groups={groups}.");
        _stride = [stride, stride];
        _padding = [padding, padding];
        _dilation = [1, 1];
        _groups = groups;
        weight = new Parameter(empty(outChannels, inChannels / groups, kernelSize, kernelSize));
        this.bias = bias ? new Parameter(empty(outChannels)) : null;
        ParameterInit.ResetLikePyTorch(weight, this.bias, fanIn: inChannels / groups * kernelSize * kernelSize);
        RegisterComponents();
    }

    /// <summary>Stride (both axes), as built.</summary>
    public int Stride => (int)_stride[0];

    /// <summary>Zero padding (both axes), as built.</summary>
    public int Padding => (int)_padding[0];

    /// <summary>Groups (Cin for a depthwise convolution), as built.</summary>
    public int Groups => (int)_groups;

    /// <summary>Convolves <c>[N, Cin, H, W]</c> into <c>[N, Cout, H', W']</c> in the compute dtype.</summary>
    /// <param name="input">Input batch, float32 or bfloat16; not disposed.</param>
    public override Tensor forward(Tensor input)
    {
        using var x = PrecisionPropagation.ToCompute(input, Precision);
        if (Precision == ComputePrecision.Float32) return nn.functional.conv2d(x, weight, bias, _stride, _padding, _dilation, _groups);
        using var scope = NewDisposeScope();
        var (w, b) = Kernels.Get(bfloat16, folded: false, () => (weight.to(bfloat16), bias?.to(bfloat16)));
        return nn.functional.conv2d(x, w, b, _stride, _padding, _dilation, _groups).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// This convolution followed by a per-channel affine layer y = conv(x) a + c, computed as one convolution whose
    /// kernel and bias absorb the affine (W a, b a + c; the folding of Ioffe and Szegedy's inference-time batch norm).
    /// The same function as the two layers in sequence, but the affine touches the weights, not the activations: two
    /// passes over every feature map fewer, forward and backward. Gradients reach W, b, a and c as through the
    /// two layers.
    /// </summary>
    /// <param name="input">Input batch <c>[N, Cin, H, W]</c>, float32 or bfloat16; not disposed.</param>
    /// <param name="scale">Per-channel scale a <c>[Cout]</c>, float32.</param>
    /// <param name="shift">Per-channel shift c <c>[Cout]</c>, float32.</param>
    /// <returns><c>[N, Cout, H', W']</c> in the compute dtype.</returns>
    public Tensor forward(Tensor input, Tensor scale, Tensor shift) => forward(input, () => (scale, shift));

    /// <summary>
    /// <see cref="forward(Tensor, Tensor, Tensor)"/> with the affine made on demand: a frozen layer whose folded
    /// kernel is kept does not make it again (a batch norm's scale and shift are four small operations per call).
    /// </summary>
    /// <param name="input">Input batch <c>[N, Cin, H, W]</c>, float32 or bfloat16; not disposed.</param>
    /// <param name="affine">Makes the per-channel scale a and shift c, <c>[Cout]</c> float32, in the caller's dispose scope.</param>
    /// <returns><c>[N, Cout, H', W']</c> in the compute dtype.</returns>
    public Tensor forward(Tensor input, Func<(Tensor Scale, Tensor Shift)> affine)
    {
        using var scope = NewDisposeScope();
        var x = PrecisionPropagation.ToCompute(input, Precision);
        var dtype = x.dtype;
        var (w, b) = Kernels.Get(dtype, folded: true, () =>
        {
            var (scale, shift) = affine();
            return (weight.mul(scale.view(-1, 1, 1, 1)).to(dtype), (bias is null ? shift : bias.mul(scale).add_(shift)).to(dtype));
        });
        return nn.functional.conv2d(x, w, b, _stride, _padding, _dilation, _groups).MoveToOuterDisposeScope();
    }
}
