using SrFace.Models.Blocks;
using SrFace.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Models.SuperResolution;

/// <summary>
/// Options of <see cref="Srcnn"/>, in the paper's symbols: filter sizes f1, f2, f3 and filter counts n1, n2.
/// </summary>
/// <param name="Scale">Upscaling factor s (2, 3, 4 or 8).</param>
/// <param name="Channels">Image channels C (3 RGB, 1 grey / Y).</param>
/// <param name="N1">Filters of the patch-extraction layer (paper: 64).</param>
/// <param name="N2">Filters of the non-linear mapping layer (paper: 32).</param>
/// <param name="F1">Patch-extraction kernel side (paper: 9).</param>
/// <param name="F2">Mapping kernel side (paper: 1 in 9-1-5, 5 in 9-5-5; default 5).</param>
/// <param name="F3">Reconstruction kernel side (paper: 5).</param>
/// <param name="ResidualToBicubic">Add the bicubic-upsampled input to the output (global residual, as VDSR; see <see cref="SuperResolutionModel.ResidualToBicubic"/>); the last convolution then starts at a tenth of its default scale. False is the paper.</param>
public sealed record SrcnnOptions(int Scale, int Channels = 3, int N1 = 64, int N2 = 32, int F1 = 9, int F2 = 5, int F3 = 5, bool ResidualToBicubic = true);

/// <summary>
/// SRCNN: bicubic upsampling followed by three convolutions (patch extraction, non-linear mapping, reconstruction).
/// Maps LR <c>[N, C, h, w]</c> (float32, [0, 1]) to <c>[N, C, s*h, s*w]</c> (float32, unclamped).
/// </summary>
/// <remarks>
/// <para>Dong, Loy, He, Tang, "Learning a Deep Convolutional Network for Image Super-Resolution", ECCV 2014, and
/// "Image Super-Resolution Using Deep Convolutional Networks", IEEE TPAMI 38(2), 2016.</para>
/// <para>Differences from the paper: the bicubic pre-upsampling happens inside <c>forward</c> (so every SR model
/// takes the LR image); convolutions are zero-padded (f/2) so the output keeps the upsampled size (the paper used
/// no padding and a smaller output); weights use PyTorch's default init instead of N(0, 0.001), which trains far
/// faster with Adam/SGD at today's learning rates; all channels are processed, not only Y.</para>
/// <code>
/// layer   kernel      channels        activation   key
/// bicubic x s         C               -            -
/// conv1   f1 x f1     C  -> n1        ReLU         conv1
/// conv2   f2 x f2     n1 -> n2        ReLU         conv2
/// conv3   f3 x f3     n2 -> C         -            conv3
/// </code>
/// </remarks>
public sealed class Srcnn : SuperResolutionModel
{
    private readonly PrecisionConv2d conv1, conv2, conv3;

    /// <summary>Builds SRCNN (kernels channels-last, see <see cref="SuperResolutionModel"/>).</summary>
    /// <param name="options">Scale, channels, filter sizes and counts.</param>
    /// <exception cref="ArgumentOutOfRangeException">When the scale is not 2, 3, 4 or 8, or a size is not positive, or a kernel side is even.</exception>
    public Srcnn(SrcnnOptions options) : base(nameof(Srcnn))
    {
        ArgumentNullException.ThrowIfNull(options);
        SrOptionChecks.Scale(options.Scale);
        if (options.Channels <= 0 || options.N1 <= 0 || options.N2 <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"SRCNN needs positive channels and filter counts; got {options}.");
        if (options.F1 % 2 == 0 || options.F2 % 2 == 0 || options.F3 % 2 == 0 || options.F1 < 1 || options.F2 < 1 || options.F3 < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"SRCNN kernel sides must be odd and positive so padding keeps the size; got {options}.");
        Options = options;
        ResidualToBicubic = options.ResidualToBicubic;
        conv1 = new PrecisionConv2d(options.Channels, options.N1, options.F1, padding: options.F1 / 2);
        conv2 = new PrecisionConv2d(options.N1, options.N2, options.F2, padding: options.F2 / 2);
        conv3 = new PrecisionConv2d(options.N2, options.Channels, options.F3, padding: options.F3 / 2);
        RegisterComponents();
        if (ResidualToBicubic) ParameterInit.Shrink(conv3.weight, conv3.bias, 0.1);
        this.ToChannelsLast();
    }

    /// <summary>The options this model was built with.</summary>
    public SrcnnOptions Options { get; }

    /// <inheritdoc/>
    public override int Scale => Options.Scale;

    /// <inheritdoc/>
    public override int Channels => Options.Channels;

    /// <summary>Restores an LR batch.</summary>
    /// <param name="input">LR images <c>[N, C, h, w]</c>, float32 in [0, 1]; not disposed.</param>
    /// <returns>Restored images <c>[N, C, s*h, s*w]</c>, float32 (not clamped).</returns>
    /// <exception cref="ArgumentException">When the input is not <c>[N, C, h, w]</c> float.</exception>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = PrepareInput(input);
        // [N, C, h, w] -> [N, C, s*h, s*w]: the bicubic "interpolation" step the paper does before the network.
        var up = nn.functional.interpolate(x, scale_factor: [Scale, Scale], mode: InterpolationMode.Bicubic, align_corners: false);
        var h = nn.functional.relu(conv1.forward(up));
        h = nn.functional.relu(conv2.forward(h));
        return (ResidualToBicubic ? conv3.forward(h).to(float32).add(up) : conv3.forward(h).to(float32)).MoveToOuterDisposeScope();
    }
}
