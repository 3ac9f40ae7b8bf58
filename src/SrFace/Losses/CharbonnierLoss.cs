using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Losses;

/// <summary>
/// Charbonnier loss sqrt((x - y)^2 + eps^2), a smooth L1 that is differentiable at 0 (Charbonnier et al., ICIP 1994;
/// used for SR by Lai et al., LapSRN, CVPR 2017, with eps = 1e-3). See <see cref="ReconstructionLoss"/> for shapes.
/// </summary>
/// <remarks>BasicSR's <c>CharbonnierLoss</c> adds eps (1e-12) without squaring it; we follow LapSRN's eps^2 form,
/// so a perfect reconstruction gives a loss of eps per element.</remarks>
public sealed class CharbonnierLoss : ReconstructionLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Multiplier (default 1).</param>
    /// <param name="reduction">Mean (default), Sum or None.</param>
    /// <param name="eps">Smoothing constant eps &gt; 0 (default 1e-3, in image units [0, 1]).</param>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="eps"/> is not positive or the weight is invalid.</exception>
    public CharbonnierLoss(double weight = 1.0, nn.Reduction reduction = nn.Reduction.Mean, double eps = 1e-3)
        : base(nameof(CharbonnierLoss), weight, reduction)
    {
        if (!(eps > 0) || double.IsInfinity(eps)) throw new ArgumentOutOfRangeException(nameof(eps), $"Charbonnier eps must be finite and > 0; got {eps}.");
        Eps = eps;
    }

    /// <summary>The smoothing constant eps.</summary>
    public double Eps { get; }

    /// <inheritdoc/>
    protected override Tensor ElementwiseLoss(Tensor prediction, Tensor target) =>
        prediction.sub(target).square().add(Eps * Eps).sqrt();
}
