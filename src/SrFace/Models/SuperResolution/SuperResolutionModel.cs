using SrFace.Models.Blocks;
using SrFace.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Models.SuperResolution;

/// <summary>
/// A single-image super-resolution (SR) model: METHOD.md step 3 ("restore every downsampled image").
/// Every SR model in SrFace maps a low-resolution (LR) batch <c>[N, C, h, w]</c> to a restored batch
/// <c>[N, C, Scale*h, Scale*w]</c>, float32 RGB (or grey when C = 1), values in [0, 1] (outputs are clamped only at
/// inference; during training the raw output feeds the reconstruction loss).
/// Models that work on a pre-upsampled input (SRCNN) do the bicubic upsampling themselves, so callers never care.
/// </summary>
/// <remarks>
/// Layout convention: every built-in model converts its own convolution kernels to channels-last at the end of its
/// constructor, and <c>forward</c> converts a non-channels-last input itself, so callers need do nothing. After
/// loading a state dict (<c>load_state_dict</c> copies into the existing parameters) the layout is kept; after
/// replacing parameters by other means call <c>model.ToChannelsLast()</c> again.
/// </remarks>
public abstract class SuperResolutionModel : nn.Module<Tensor, Tensor>, IPrecisionAware
{
    private ComputePrecision _precision = ComputePrecision.Float32;

    /// <summary>Creates the module with a TorchSharp module name (used in state-dict keys).</summary>
    /// <param name="name">Module name.</param>
    protected SuperResolutionModel(string name) : base(name) { }

    /// <summary>The upscaling factors the built-in SR models support (2, 3, 4 and 8), for option checks.</summary>
    public static IReadOnlyList<int> SupportedScales => SrOptionChecks.SupportedScales;

    /// <summary>Integer upscaling factor s: output side = s x input side. One of 2, 3, 4 or 8 for the built-in models.</summary>
    public abstract int Scale { get; }

    /// <summary>Image channels C (3 for RGB, 1 for grey).</summary>
    public abstract int Channels { get; }

    /// <summary>
    /// Precision of convolutions inside <c>forward</c>; see <see cref="ComputePrecision"/>. Setting it propagates to
    /// every precision-aware block of the model. Outputs are float32 either way.
    /// </summary>
    public ComputePrecision Precision
    {
        get => _precision;
        set
        {
            _precision = value;
            PrecisionPropagation.Propagate(this, value);
        }
    }

    /// <summary>
    /// Global residual learning: when true, <c>forward</c> returns the network output plus the bicubic upsampling of
    /// the LR input, so the network learns only the missing high-frequency detail (Kim et al., VDSR, CVPR 2016). Not in
    /// the SRCNN/FSRCNN/SRGAN papers; it makes a freshly initialised model start at bicubic quality, which matters
    /// for the short CPU training runs SrFace is built for. Off reproduces the papers.
    /// </summary>
    public bool ResidualToBicubic { get; protected init; }

    /// <summary>
    /// Adds the bicubic upsampling of <paramref name="lowResolution"/> to <paramref name="output"/> when
    /// <see cref="ResidualToBicubic"/> is on; returns <paramref name="output"/> unchanged otherwise.
    /// </summary>
    /// <param name="lowResolution">The prepared LR input <c>[N, C, h, w]</c>.</param>
    /// <param name="output">The network output <c>[N, C, s*h, s*w]</c>, float32.</param>
    protected Tensor AddBicubicSkip(Tensor lowResolution, Tensor output)
    {
        if (!ResidualToBicubic) return output;
        var bicubic = nn.functional.interpolate(lowResolution, [output.shape[2], output.shape[3]], mode: InterpolationMode.Bicubic, align_corners: false);
        return output.add(bicubic);
    }

    /// <summary>
    /// Checks that <paramref name="input"/> is a float batch <c>[N, Channels, h, w]</c> and returns it as a
    /// channels-last float32 tensor (a new handle; <paramref name="input"/> is not disposed).
    /// </summary>
    /// <param name="input">The LR batch given to <c>forward</c>.</param>
    /// <exception cref="ArgumentException">When the shape or dtype is wrong.</exception>
    protected Tensor PrepareInput(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != Channels || !input.is_floating_point())
            throw new ArgumentException($"{GetType().Name} expects a float batch [N, {Channels}, h, w]; got {input.dtype} [{string.Join(", ", input.shape)}].", nameof(input));
        using var f = input.to(float32);
        return f.IsChannelsLast() ? f.alias() : f.ToChannelsLast();
    }
}
