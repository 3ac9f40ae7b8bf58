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
public abstract class FaceRecognizer : nn.Module<Tensor, Tensor>
{
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

    /// <summary>Precision of convolutions and linear layers inside <c>forward</c>; see <see cref="ComputePrecision"/>.</summary>
    public ComputePrecision Precision { get; set; } = ComputePrecision.Float32;
}
