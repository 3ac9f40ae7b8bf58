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
public abstract class SuperResolutionModel : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the module with a TorchSharp module name (used in state-dict keys).</summary>
    /// <param name="name">Module name.</param>
    protected SuperResolutionModel(string name) : base(name) { }

    /// <summary>Integer upscaling factor s: output side = s x input side. One of 2, 3, 4 or 8 for the built-in models.</summary>
    public abstract int Scale { get; }

    /// <summary>Image channels C (3 for RGB, 1 for grey).</summary>
    public abstract int Channels { get; }

    /// <summary>Precision of convolutions inside <c>forward</c>; see <see cref="ComputePrecision"/>.</summary>
    public ComputePrecision Precision { get; set; } = ComputePrecision.Float32;
}
