using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Runtime;

/// <summary>
/// Channels-last (NHWC strides) memory layout for 4-D tensors and modules. SrFace trains every convolution in this
/// layout: on the AMD Zen 5 CPU we run on, NCHW convolution input gradients are wrong for some channel counts
/// (see <c>docs/conventions.md</c> and <c>srface doctor</c>), and channels-last is also 2-3x faster.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 has no <c>memory_format</c> API. The layout is reached by permuting to NHWC, making the result
/// contiguous and permuting back: the logical shape stays <c>[N, C, H, W]</c>, the strides become
/// <c>[H*W*C, 1, W*C, C]</c>. Convolution, batch-norm and activation outputs keep that layout once their input has it.
/// </remarks>
public static class ChannelsLast
{
    /// <summary>Returns a channels-last copy of a 4-D tensor <c>[N, C, H, W]</c> (same shape, NHWC strides).</summary>
    /// <param name="x">A 4-D tensor; it is not disposed or modified.</param>
    /// <returns>A tensor with the same shape and values in channels-last layout (may be <paramref name="x"/> itself when already so laid out is not detected; always a new handle).</returns>
    /// <exception cref="ArgumentException">When <paramref name="x"/> is not 4-D.</exception>
    public static Tensor ToChannelsLast(this Tensor x)
    {
        if (x.dim() != 4) throw new ArgumentException($"Channels-last needs a 4-D tensor [N, C, H, W]; got shape [{string.Join(", ", x.shape)}].", nameof(x));
        using var nhwc = x.permute(0, 2, 3, 1);
        using var contiguous = nhwc.contiguous();
        return contiguous.permute(0, 3, 1, 2);
    }

    /// <summary>True when a 4-D tensor's strides are the channels-last ones (<c>stride(1) == 1</c> with more than one channel).</summary>
    /// <param name="x">Any tensor.</param>
    public static bool IsChannelsLast(this Tensor x)
    {
        if (x.dim() != 4) return false;
        var s = x.stride();
        long c = x.shape[1], w = x.shape[3];
        return s[1] == 1 && (c == 1 || s[3] == c) && (w == 1 || s[2] == w * c);
    }

    /// <summary>
    /// Converts every 4-D parameter of a module (convolution kernels) to channels-last in place, under no-grad, so
    /// that the optimiser keeps updating the same parameter objects. Call once after construction or loading.
    /// </summary>
    /// <typeparam name="TModule">The module type, returned for chaining.</typeparam>
    /// <param name="module">The module whose parameters are converted.</param>
    /// <returns><paramref name="module"/>.</returns>
    public static TModule ToChannelsLast<TModule>(this TModule module) where TModule : nn.Module
    {
        using var _ = torch.no_grad();
        foreach (var p in module.parameters())
        {
            if (p.dim() != 4 || p.IsChannelsLast()) continue;
            using var converted = p.ToChannelsLast();
            p.set_(converted);
        }
        return module;
    }
}
