using SrFace.Models.Blocks;
using SrFace.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Models.Recognition;

/// <summary>
/// A face recognition backbone (METHOD.md step 6, "extract features"): maps face crops <c>[N, C, S, S]</c>, float32,
/// values in [0, 1] (RGB, or grey when C = 1), to L2-normalised embeddings <c>[N, D]</c>.
/// Input normalisation (<see cref="Mean"/>, <see cref="Std"/>) happens inside <c>forward</c>, so every caller
/// (trainer, cascade, evaluation, gallery) feeds plain [0, 1] images and no recogniser needs a special case.
/// </summary>
/// <remarks>
/// Layout convention: built-in recognisers convert their convolution kernels to channels-last at the end of their
/// constructor, and <c>forward</c> converts the input itself (see <see cref="PrepareInput"/>), so callers do nothing.
/// </remarks>
public abstract class FaceRecognizer : nn.Module<Tensor, Tensor>, IPrecisionAware
{
    private ComputePrecision _precision = ComputePrecision.Float32;

    /// <summary>Creates the module with a TorchSharp module name (used in state-dict keys).</summary>
    /// <param name="name">Module name.</param>
    protected FaceRecognizer(string name) : base(name) { }

    /// <summary>Input side S in pixels (square input), e.g. 64, 112 or 150.</summary>
    public abstract int InputSize { get; }

    /// <summary>Input channels C (3 for RGB, 1 for grey).</summary>
    public abstract int Channels { get; }

    /// <summary>Embedding width D (e.g. 128 or 512).</summary>
    public abstract int EmbeddingSize { get; }

    /// <summary>Per-channel mean subtracted from [0, 1] inputs inside <c>forward</c> (length C).</summary>
    public virtual float[] Mean => Enumerable.Repeat(0.5f, Channels).ToArray();

    /// <summary>Per-channel standard deviation that inputs are divided by inside <c>forward</c> (length C).</summary>
    public virtual float[] Std => Enumerable.Repeat(0.5f, Channels).ToArray();

    /// <summary>
    /// Precision of convolutions and linear layers inside <c>forward</c>; see <see cref="ComputePrecision"/>. Setting
    /// it propagates to every precision-aware block of the model. Embeddings are float32 either way.
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
    /// The network's parameters grouped into stages, input side first, for fine-tuning with frozen early stages
    /// (<c>srface train --freeze-stages N</c> freezes the first N groups). Default: one group per top-level child
    /// module, in registration order; networks with a finer structure (e.g. <see cref="DlibResNet"/>) override it.
    /// </summary>
    /// <returns>(stage name, its parameters) pairs; together they cover every parameter once.</returns>
    public virtual IReadOnlyList<(string Name, IReadOnlyList<TorchSharp.Modules.Parameter> Parameters)> ParameterStages() =>
        named_children().Select(c => (c.name, (IReadOnlyList<TorchSharp.Modules.Parameter>)c.module.parameters().ToList()))
            .Where(s => s.Item2.Count > 0).ToList();

    /// <summary>
    /// Whether the network runs in two parts split after its first k <see cref="ParameterStages"/>
    /// (<see cref="FeaturesAfter"/>, then <see cref="EmbedFrom"/>), with the same result as <c>forward</c> on any
    /// sub-batch split: true only for networks without batch statistics (<see cref="DlibResNet"/>), where a row's
    /// features do not depend on the other rows. The joint step uses it to run frozen stages without autograd on rows
    /// that need no gradient there. Default: false.
    /// </summary>
    public virtual bool SplitsAtStages => false;

    /// <summary>The feature map after the first <paramref name="stages"/> <see cref="ParameterStages"/> (0: the
    /// normalised input), for networks that <see cref="SplitsAtStages"/>.</summary>
    /// <param name="input">Faces <c>[N, C, S, S]</c>, float32 in [0, 1]; not disposed.</param>
    /// <param name="stages">Stages to run, 0 &lt;= k &lt; the number of stages.</param>
    /// <returns>Features <c>[N, C', h, w]</c>, channels-last, in the compute dtype.</returns>
    /// <exception cref="NotSupportedException">When the network does not split.</exception>
    public virtual Tensor FeaturesAfter(Tensor input, int stages) =>
        throw new NotSupportedException($"{GetName()} does not run in parts.");

    /// <summary>The embeddings from <see cref="FeaturesAfter"/>'s features: the remaining stages, for networks that <see cref="SplitsAtStages"/>.</summary>
    /// <param name="features">Features of <see cref="FeaturesAfter"/> with the same <paramref name="stages"/> (rows may
    /// come from several calls, concatenated); not disposed.</param>
    /// <param name="stages">The stages already run.</param>
    /// <returns>L2-normalised embeddings <c>[N, D]</c>, float32.</returns>
    /// <exception cref="NotSupportedException">When the network does not split.</exception>
    public virtual Tensor EmbedFrom(Tensor features, int stages) =>
        throw new NotSupportedException($"{GetName()} does not run in parts.");

    /// <summary>
    /// The normalisation layers that <c>--freeze-norm</c> freezes. Default: every BatchNorm layer (SrFace's FaceResNet
    /// and MobileFaceNet): frozen, they run in eval mode (their running statistics are used and no longer updated)
    /// and their affine gamma/beta stop training (FrozenBatchNorm, as in detection fine-tuning).
    /// <see cref="DlibResNet"/> has no BatchNorm: it overrides this with its per-channel affine layers (dlib's batch
    /// norms folded at export), whose scale and shift then stop training.
    /// </summary>
    /// <returns>The normalisation modules (may be empty).</returns>
    public virtual IReadOnlyList<nn.Module> NormalizationLayers() =>
        modules().Where(m => m is TorchSharp.Modules.BatchNorm1d or TorchSharp.Modules.BatchNorm2d).ToList();

    /// <summary>
    /// Checks that <paramref name="input"/> is a float batch <c>[N, Channels, InputSize, InputSize]</c> in [0, 1],
    /// normalises it as (x - <see cref="Mean"/>) / <see cref="Std"/> per channel and returns it channels-last,
    /// float32 (a new tensor; <paramref name="input"/> is not disposed).
    /// </summary>
    /// <param name="input">The face batch given to <c>forward</c>.</param>
    /// <exception cref="ArgumentException">When the shape or dtype is wrong.</exception>
    protected Tensor PrepareInput(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != Channels || input.shape[2] != InputSize || input.shape[3] != InputSize || !input.is_floating_point())
            throw new ArgumentException($"{GetType().Name} expects a float batch [N, {Channels}, {InputSize}, {InputSize}]; got {input.dtype} [{string.Join(", ", input.shape)}].", nameof(input));
        using var mean = tensor(Mean).view(1, Channels, 1, 1);
        using var f = input.to(float32);
        using var centred = f.sub(mean);
        // A unit standard deviation (dlib's) divides by 1: skipped, a full pass over the batch and its backward saved.
        using var normalised = Std.All(s => s == 1f) ? centred.alias() : DivideByStd(centred);
        return normalised.IsChannelsLast() ? normalised.alias() : normalised.ToChannelsLast();
    }

    private Tensor DivideByStd(Tensor centred)
    {
        using var std = tensor(Std).view(1, Channels, 1, 1);
        return centred.div(std);
    }

    /// <summary>Casts raw embeddings <c>[N, D]</c> to float32 and L2-normalises each row.</summary>
    /// <param name="embedding">The head's output (float32 or bfloat16); not disposed.</param>
    protected static Tensor L2Normalise(Tensor embedding)
    {
        using var f = embedding.to(float32);
        return nn.functional.normalize(f, p: 2, dim: 1, eps: 1e-12);
    }
}
