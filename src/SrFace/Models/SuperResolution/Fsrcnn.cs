using SrFace.Models.Blocks;
using SrFace.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Models.SuperResolution;

/// <summary>Options of <see cref="Fsrcnn"/>, in the paper's symbols FSRCNN(d, s, m).</summary>
/// <param name="Scale">Upscaling factor (stride of the deconvolution): 2, 3, 4 or 8.</param>
/// <param name="Channels">Image channels C (3 RGB, 1 grey / Y).</param>
/// <param name="D">LR feature dimension d (paper: 56).</param>
/// <param name="S">Shrunk dimension s (paper: 12).</param>
/// <param name="M">Number of mapping layers m (paper: 4).</param>
/// <param name="ResidualToBicubic">Add the bicubic upsampling of the input to the output (global residual; see <see cref="SuperResolutionModel.ResidualToBicubic"/>). False is the paper.</param>
public sealed record FsrcnnOptions(int Scale, int Channels = 3, int D = 56, int S = 12, int M = 4, bool ResidualToBicubic = true);

/// <summary>
/// FSRCNN: works on the LR image directly and upsamples at the end with a learnt deconvolution.
/// Maps LR <c>[N, C, h, w]</c> (float32, [0, 1]) to <c>[N, C, s*h, s*w]</c> (float32, unclamped).
/// </summary>
/// <remarks>
/// <para>Dong, Loy, Tang, "Accelerating the Super-Resolution Convolutional Neural Network", ECCV 2016.</para>
/// <para>Differences from the paper: all C channels are restored (the paper used Y only); the deconvolution has
/// padding 4 and output padding scale - 1 so the output is exactly scale x the input. Initialisation follows the
/// paper's Gaussian scheme as the widely used PyTorch port does: convolutions N(0, 2 / (Cout k^2)) (He), the
/// deconvolution N(0, 0.001^2), biases 0, PReLU slopes 0.25. State-dict keys follow that port
/// (<c>first_part</c>, <c>mid_part</c>, <c>last_part</c>), so its checkpoints load unchanged.</para>
/// <code>
/// part        layer                     channels   key
/// extraction  conv 5x5 + PReLU          C -> d     first_part.0, first_part.1
/// shrinking   conv 1x1 + PReLU          d -> s     mid_part.0, mid_part.1
/// mapping     m x (conv 3x3 + PReLU)    s -> s     mid_part.2 .. mid_part.(2m+1)
/// expanding   conv 1x1 + PReLU          s -> d     mid_part.(2m+2), mid_part.(2m+3)
/// deconv      9x9, stride = scale       d -> C     last_part
/// </code>
/// </remarks>
public sealed class Fsrcnn : SuperResolutionModel
{
    private readonly Sequential first_part, mid_part;
    private readonly PrecisionConvTranspose2d last_part;

    /// <summary>Builds FSRCNN(d, s, m) (kernels channels-last, see <see cref="SuperResolutionModel"/>).</summary>
    /// <param name="options">Scale, channels and d, s, m.</param>
    /// <exception cref="ArgumentOutOfRangeException">When the scale is not 2, 3, 4 or 8, or d, s, C are not positive, or m is negative.</exception>
    public Fsrcnn(FsrcnnOptions options) : base(nameof(Fsrcnn))
    {
        ArgumentNullException.ThrowIfNull(options);
        SrOptionChecks.Scale(options.Scale);
        if (options.Channels <= 0 || options.D <= 0 || options.S <= 0 || options.M < 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"FSRCNN needs positive C, d, s and m >= 0; got {options}.");
        Options = options;
        ResidualToBicubic = options.ResidualToBicubic;
        int c = options.Channels, d = options.D, s = options.S;

        var extraction = new PrecisionConv2d(c, d, 5, padding: 2);
        first_part = nn.Sequential(extraction, new PrecisionPReLU(d));

        var mid = new List<nn.Module<Tensor, Tensor>> { new PrecisionConv2d(d, s, 1), new PrecisionPReLU(s) };
        for (int i = 0; i < options.M; i++) mid.AddRange([new PrecisionConv2d(s, s, 3, padding: 1), new PrecisionPReLU(s)]);
        mid.AddRange([new PrecisionConv2d(s, d, 1), new PrecisionPReLU(d)]);
        mid_part = nn.Sequential(mid.ToArray());

        last_part = new PrecisionConvTranspose2d(d, c, 9, stride: options.Scale, padding: 4, outputPadding: options.Scale - 1);
        RegisterComponents();

        foreach (var conv in mid.OfType<PrecisionConv2d>().Prepend(extraction))
            ParameterInit.Gaussian(conv.weight, conv.bias, Math.Sqrt(2.0 / (conv.weight.shape[0] * conv.weight.shape[2] * conv.weight.shape[3])));
        ParameterInit.Gaussian(last_part.weight, last_part.bias, 0.001);
        this.ToChannelsLast();
    }

    /// <summary>The options this model was built with.</summary>
    public FsrcnnOptions Options { get; }

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
        var h = mid_part.forward(first_part.forward(x));
        // [N, d, h, w] -> [N, C, s*h, s*w]: (h - 1) s - 8 + 9 + (s - 1) = s h.
        return AddBicubicSkip(x, last_part.forward(h).to(float32)).MoveToOuterDisposeScope();
    }
}
