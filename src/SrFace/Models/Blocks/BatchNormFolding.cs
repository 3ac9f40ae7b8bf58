using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Models.Blocks;

/// <summary>
/// A convolution followed by a batch norm, run as one convolution when the batch norm uses its running statistics
/// (eval mode, or frozen by <c>--freeze-norm</c>): y = conv(x) a + c with a = gamma / sqrt(var + eps) and
/// c = beta - mean a (Ioffe and Szegedy, "Batch Normalization", ICML 2015, section 3.1: at inference the batch norm
/// is a linear transform, so it folds into the layer before it). The same function as the two layers, one pass over
/// the feature map fewer; gradients reach the kernel and gamma / beta as through the two layers. In training mode the
/// batch norm normalises with the batch's own statistics and the two layers run apart.
/// </summary>
internal static class BatchNormFolding
{
    /// <summary>bn(conv(x)), folded when <paramref name="bn"/> is in eval mode.</summary>
    /// <param name="conv">The convolution.</param>
    /// <param name="bn">The batch norm that follows it (its channels = the convolution's output channels).</param>
    /// <param name="x">Input <c>[N, Cin, H, W]</c>; not disposed.</param>
    /// <returns><c>[N, Cout, H', W']</c> in the convolution's compute dtype.</returns>
    public static Tensor ConvThenBatchNorm(PrecisionConv2d conv, BatchNorm2d bn, Tensor x)
    {
        if (bn.training)
        {
            using var h = conv.forward(x);
            return bn.forward(h);
        }
        return conv.forward(x, () => Affine(bn));
    }

    /// <summary>The eval-mode batch norm as a per-channel scale and shift, float32 <c>[C]</c>, in the caller's dispose scope.</summary>
    private static (Tensor Scale, Tensor Shift) Affine(BatchNorm2d bn)
    {
        var scale = bn.running_var!.add(bn.eps).rsqrt_();
        if (bn.weight is not null) scale = scale.mul(bn.weight);
        var shift = bn.running_mean!.mul(scale).neg_();
        if (bn.bias is not null) shift = shift.add(bn.bias);
        return (scale, shift);
    }
}
