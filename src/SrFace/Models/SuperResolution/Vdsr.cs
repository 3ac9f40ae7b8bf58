using SrFace.Models.Blocks;
using SrFace.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Models.SuperResolution;

/// <summary>Options of <see cref="Vdsr"/>.</summary>
/// <param name="Channels">Image channels C (3 RGB, 1 grey).</param>
/// <param name="Width">Feature channels of every hidden convolution (VDSR: 64; default 32 for CPU training at 150 px).</param>
/// <param name="Layers">Convolutions in total, at least 2 (VDSR: 20; default 8).</param>
/// <param name="Unshuffle">Side of the reversible down-sampling before the convolutions (FFDNet): the image is
/// pixel-unshuffled by this factor into C r^2 channels at 1/r resolution and shuffled back at the end; 1 runs at full
/// resolution like VDSR. In [1, 4]; default 2 (4x fewer operations per layer, 2x the receptive field).</param>
public sealed record VdsrOptions(int Channels = 3, int Width = 32, int Layers = 8, int Unshuffle = 2)
{
    /// <summary>Largest <see cref="Width"/> accepted: four times VDSR's 64 (a wider restorer is a typo, not a model for 2 CPU cores).</summary>
    public const int MaxWidth = 256;

    /// <summary>Largest <see cref="Layers"/> accepted: about three times VDSR's 20.</summary>
    public const int MaxLayers = 64;
}

/// <summary>
/// A VDSR-like residual restorer that works at the recogniser's input size on a bicubic pre-upsampled face
/// (<see cref="SuperResolutionModel.PreUpsampled"/>): output = input + a learned correction, same size. Because the
/// input is already at S, one model serves probes of any size (10, 19, 38, 75 px into a 150 px recogniser) and a
/// multi-scale model needs nothing at inference but the probe itself. Input <c>[N, C, H, W]</c> float32 in [0, 1]
/// (any H, W); output <c>[N, C, H, W]</c> float32, unclamped.
/// </summary>
/// <remarks>
/// <para>Kim, Lee, Lee, "Accurate Image Super-Resolution Using Very Deep Convolutional Networks", CVPR 2016 (global
/// residual to the bicubic input, one network for several scales); Zhang, Zuo, Zhang, "FFDNet: Toward a Fast and
/// Flexible Solution for CNN-Based Image Denoising", IEEE TIP 27(9), 2018 (reversible pixel-unshuffle so the
/// convolutions run at half resolution). Differences from VDSR: 8 layers of width 32 instead of 20 of 64, the FFDNet
/// unshuffle, no gradient clipping; hidden convolutions start from He init and the last one at a hundredth of its default scale,
/// so the untrained model is the bicubic input plus a small correction. Sides that are not multiples of <see cref="VdsrOptions.Unshuffle"/>
/// are replicate-padded at the bottom/right and cropped back.</para>
/// <code>
/// layer    kernel   channels              activation   key
/// unshuffle r       C -> C r^2             -            -
/// conv1    3 x 3    C r^2 -> w             ReLU         body.0
/// conv2..  3 x 3    w -> w                 ReLU         body.1 .. body.(L-2)
/// convL    3 x 3    w -> C r^2             -            tail
/// shuffle  r, crop, + input                -            -
/// </code>
/// </remarks>
public sealed class Vdsr : SuperResolutionModel
{
    private readonly TorchSharp.Modules.ModuleList<PrecisionConv2d> body;
    private readonly PrecisionConv2d tail;

    /// <summary>Builds the model (kernels channels-last).</summary>
    /// <param name="options">Channels, width, depth, unshuffle factor.</param>
    /// <exception cref="ArgumentOutOfRangeException">When a size is not positive, there are fewer than 2 layers, or the unshuffle factor is outside [1, 4].</exception>
    public Vdsr(VdsrOptions options) : base(nameof(Vdsr))
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Channels <= 0 || options.Width is < 1 or > VdsrOptions.MaxWidth || options.Layers is < 2 or > VdsrOptions.MaxLayers || options.Unshuffle is < 1 or > 4)
            throw new ArgumentOutOfRangeException(nameof(options), $"VDSR needs positive channels, a width in [1, {VdsrOptions.MaxWidth}], layers in [2, {VdsrOptions.MaxLayers}] and an unshuffle factor in [1, 4]; got {options}.");
        Options = options;
        ResidualToBicubic = true;
        var inner = options.Channels * options.Unshuffle * options.Unshuffle;
        var convs = new List<PrecisionConv2d> { new(inner, options.Width, 3, padding: 1) };
        for (var i = 1; i < options.Layers - 1; i++) convs.Add(new PrecisionConv2d(options.Width, options.Width, 3, padding: 1));
        body = nn.ModuleList(convs.ToArray());
        tail = new PrecisionConv2d(options.Width, inner, 3, padding: 1);
        RegisterComponents();
        // He init for the ReLU stack (VDSR's); the last convolution starts at a hundredth of PyTorch's default scale,
        // so the untrained model is the bicubic input plus a correction far below one grey level.
        ParameterInit.HeNormal(convs[0].weight, convs[0].bias, inner * 9);
        foreach (var conv in convs.Skip(1)) ParameterInit.HeNormal(conv.weight, conv.bias, options.Width * 9);
        ParameterInit.Shrink(tail.weight, tail.bias, TailInitScale);
        this.ToChannelsLast();
    }

    /// <summary>Factor applied to the last convolution's PyTorch-default initial weights (bias zero): 0.01.</summary>
    public const double TailInitScale = 0.01;

    /// <summary>The options this model was built with.</summary>
    public VdsrOptions Options { get; }

    /// <summary>1: the model restores at the size it is given (see <see cref="SuperResolutionModel.PreUpsampled"/>).</summary>
    public override int Scale => 1;

    /// <inheritdoc/>
    public override int Channels => Options.Channels;

    /// <summary>True: callers bicubic-upsample the low-resolution face to the target size first.</summary>
    public override bool PreUpsampled => true;

    /// <summary>Restores a pre-upsampled batch.</summary>
    /// <param name="input">Bicubic-upsampled faces <c>[N, C, H, W]</c>, float32 in [0, 1]; not disposed.</param>
    /// <returns>Restored faces <c>[N, C, H, W]</c>, float32 (not clamped).</returns>
    /// <exception cref="ArgumentException">When the input is not <c>[N, C, H, W]</c> float.</exception>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = PrepareInput(input);
        var (h, w, r) = (x.shape[2], x.shape[3], Options.Unshuffle);
        var (padH, padW) = ((r - h % r) % r, (r - w % r) % r);
        var y = padH > 0 || padW > 0 ? nn.functional.pad(x, [0, padW, 0, padH], PaddingModes.Replicate) : x;
        if (r > 1) y = nn.functional.pixel_unshuffle(y, r).ToChannelsLast();     // [N, C r^2, H/r, W/r]
        foreach (var conv in body) y = nn.functional.relu(conv.forward(y));
        y = tail.forward(y).to(float32);
        if (r > 1) y = nn.functional.pixel_shuffle(y, r);                        // [N, C, H + padH, W + padW]
        if (padH > 0 || padW > 0) y = y.narrow(2, 0, h).narrow(3, 0, w);
        return y.add(x).MoveToOuterDisposeScope();
    }
}
