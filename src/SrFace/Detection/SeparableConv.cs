using SrFace.Models.Blocks;
using static TorchSharp.torch;

namespace SrFace.Detection;

/// <summary>
/// TF's <c>separableConv2d</c> with 'same' padding plus a bias: depthwise k x k convolution (groups = C, no bias),
/// then a pointwise 1 x 1 convolution with the bias. Input <c>[N, Cin, H, W]</c>, output
/// <c>[N, Cout, ceil(H / s), ceil(W / s)]</c>; no activation. State-dict keys <c>depthwise.weight</c>,
/// <c>pointwise.weight</c>, <c>pointwise.bias</c>.
/// </summary>
internal sealed class SeparableConv : nn.Module<Tensor, Tensor>
{
    private readonly PrecisionConv2d depthwise, pointwise;
    private readonly int stride;

    public SeparableConv(int inChannels, int outChannels, int stride = 1) : base(nameof(SeparableConv))
    {
        depthwise = new PrecisionConv2d(inChannels, inChannels, 3, stride, padding: 0, groups: inChannels, bias: false);
        pointwise = new PrecisionConv2d(inChannels, outChannels, 1);
        this.stride = stride;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var padded = TfOps.PadSame(x, 3, stride);
        using var d = depthwise.forward(padded);
        return pointwise.forward(d);
    }

    /// <summary>Name map for a TF.js prefix (<c>prefix/depthwise_filter</c>, <c>/pointwise_filter</c>, <c>/bias</c>).</summary>
    public static IEnumerable<IO.TfJs.TfJsParameterMap> Names(string tfPrefix, string keyPrefix) =>
    [
        new(tfPrefix + "/depthwise_filter", keyPrefix + ".depthwise.weight", IO.TfJs.TfJsLayout.DepthwiseKernel),
        new(tfPrefix + "/pointwise_filter", keyPrefix + ".pointwise.weight", IO.TfJs.TfJsLayout.ConvKernel),
        new(tfPrefix + "/bias", keyPrefix + ".pointwise.bias", IO.TfJs.TfJsLayout.AsIs),
    ];
}

/// <summary>
/// face-api's network input: the image <c>[3, H, W]</c> in [0, 1] zero-padded to a square (<see cref="TfOps.PadToSquare"/>)
/// and resized with the legacy TF bilinear resize to <c>[1, 3, S, S]</c>, still in [0, 1] (0 = black padding).
/// </summary>
internal static class NetInput
{
    /// <summary>Pads and resizes; also returns face-api's "reshaped dimensions" <c>round(W s), round(H s)</c>, s = S / max(W, H).</summary>
    public static (Tensor Batch, int ReshapedWidth, int ReshapedHeight) ToBatch(Tensor image, int size, bool centre)
    {
        CheckImage(image);
        using var scope = NewDisposeScope();
        var (h, w) = ((int)image.shape[1], (int)image.shape[2]);
        var x = image.to(float32).unsqueeze(0);
        var side = Math.Max(h, w);
        Tensor resized;
        if (centre) resized = TfOps.ResizeBilinearLegacy(TfOps.PadToSquare(x, centre: true).Padded, size, size);
        else resized = TfOps.PadBottomRightAndResize(x, side, side, size, size);   // no padded copy of large photos
        var scale = (double)size / Math.Max(w, h);
        return (resized.MoveToOuterDisposeScope(), (int)Math.Round(w * scale, MidpointRounding.AwayFromZero), (int)Math.Round(h * scale, MidpointRounding.AwayFromZero));
    }

    /// <summary>Throws unless <paramref name="image"/> is a float <c>[3, H, W]</c> with H, W &gt;= 1.</summary>
    public static void CheckImage(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.dim() != 3 || image.shape[0] != 3 || image.shape[1] < 1 || image.shape[2] < 1 || !image.is_floating_point())
            throw new ArgumentException($"Expected an RGB image [3, H, W] of floats in [0, 1]; got {image.dtype} [{string.Join(", ", image.shape)}].", nameof(image));
    }

    /// <summary>Subtracts a mean RGB given in 0..255 from a [0, 1] batch and returns (255 x - mean) / 255 = x - mean / 255.</summary>
    public static Tensor SubtractMean255(Tensor batch, IReadOnlyList<float> meanRgb255)
    {
        using var mean = tensor(meanRgb255.Select(m => m / 255f).ToArray()).view(1, 3, 1, 1);
        return batch.sub(mean);
    }
}
