using SrFace.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Models.Blocks;

/// <summary>
/// Base of the layers that keep float32 master weights and compute in a selectable <see cref="ComputePrecision"/>
/// (<see cref="PrecisionConv2d"/>, <see cref="PrecisionConvTranspose2d"/>, <see cref="PrecisionLinear"/>): the
/// precision, and the compute-dtype kernels a frozen model keeps between inference calls (see
/// <see cref="InferenceKernels"/>). Input and output shapes are the derived layer's.
/// </summary>
public abstract class PrecisionLayer : nn.Module<Tensor, Tensor>, IPrecisionAware, IInferenceKernels
{
    /// <summary>Creates the layer with a TorchSharp module name.</summary>
    /// <param name="name">Module name.</param>
    protected PrecisionLayer(string name) : base(name) { }

    /// <inheritdoc/>
    public ComputePrecision Precision { get; set; } = ComputePrecision.Float32;

    /// <summary>The compute-dtype kernel and bias: kept when the layer is frozen for inference, else made per call.</summary>
    private protected KernelCache Kernels { get; } = new();

    bool IInferenceKernels.KernelsFrozen { get => Kernels.Frozen; set => Kernels.Frozen = value; }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) Kernels.Dispose();
        base.Dispose(disposing);
    }
}
