using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Losses;

/// <summary>The pixel reconstruction losses METHOD.md step 4 leaves open.</summary>
public enum ReconstructionLossKind
{
    /// <summary>Mean absolute error |x - y| (BasicSR <c>L1Loss</c>; the field's default for SR training).</summary>
    L1,

    /// <summary>Mean squared error (x - y)^2 (the original SRCNN/FSRCNN objective).</summary>
    Mse,

    /// <summary>Charbonnier sqrt((x - y)^2 + eps^2), a differentiable L1 (Lai et al., LapSRN, CVPR 2017).</summary>
    Charbonnier,
}

/// <summary>
/// A pixel reconstruction loss between a restored batch and its HR target (METHOD.md step 4), scaled by
/// <see cref="Weight"/> and reduced by <see cref="Reduction"/> (BasicSR <c>losses/basic_loss.py</c> style).
/// <c>forward(prediction, target)</c>: both <c>[N, C, H, W]</c> (any equal shapes), float, values in [0, 1];
/// returns a scalar (Mean / Sum) or the element-wise loss (None), times the weight.
/// </summary>
public abstract class ReconstructionLoss : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>Creates the loss.</summary>
    /// <param name="name">Module name.</param>
    /// <param name="weight">Multiplier of the loss (&gt;= 0).</param>
    /// <param name="reduction">Mean (default), Sum or None.</param>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="weight"/> is negative or not finite.</exception>
    protected ReconstructionLoss(string name, double weight, nn.Reduction reduction) : base(name)
    {
        if (!(weight >= 0) || double.IsInfinity(weight)) throw new ArgumentOutOfRangeException(nameof(weight), $"Loss weight must be finite and >= 0; got {weight}.");
        Weight = weight;
        Reduction = reduction;
    }

    /// <summary>Multiplier applied to the reduced loss.</summary>
    public double Weight { get; }

    /// <summary>How element-wise losses are reduced.</summary>
    public nn.Reduction Reduction { get; }

    /// <summary>Builds the loss of the given kind.</summary>
    /// <param name="kind">L1, MSE or Charbonnier.</param>
    /// <param name="weight">Multiplier (default 1).</param>
    /// <param name="reduction">Mean (default), Sum or None.</param>
    /// <param name="eps">Charbonnier's eps (ignored by the others); default 1e-3.</param>
    /// <exception cref="ArgumentOutOfRangeException">When the kind is unknown or a value is out of range.</exception>
    public static ReconstructionLoss Create(ReconstructionLossKind kind, double weight = 1.0, nn.Reduction reduction = nn.Reduction.Mean, double eps = 1e-3) => kind switch
    {
        ReconstructionLossKind.L1 => new L1Loss(weight, reduction),
        ReconstructionLossKind.Mse => new MseLoss(weight, reduction),
        ReconstructionLossKind.Charbonnier => new CharbonnierLoss(weight, reduction, eps),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), $"Unknown reconstruction loss {kind}."),
    };

    /// <summary>Computes the weighted, reduced loss.</summary>
    /// <param name="prediction">Restored batch, e.g. <c>[N, C, H, W]</c>; not disposed.</param>
    /// <param name="target">HR batch of the same shape; not disposed.</param>
    /// <exception cref="ArgumentException">When the shapes differ.</exception>
    public override Tensor forward(Tensor prediction, Tensor target)
    {
        if (!prediction.shape.SequenceEqual(target.shape))
            throw new ArgumentException($"{GetType().Name}: prediction [{string.Join(", ", prediction.shape)}] and target [{string.Join(", ", target.shape)}] differ in shape.", nameof(target));
        using var scope = NewDisposeScope();
        var elementwise = ElementwiseLoss(prediction.to(float32), target.to(float32));
        var reduced = Reduction switch
        {
            nn.Reduction.Mean => elementwise.mean(),
            nn.Reduction.Sum => elementwise.sum(),
            _ => elementwise,
        };
        return reduced.mul(Weight).MoveToOuterDisposeScope();
    }

    /// <summary>The unreduced, unweighted loss per element.</summary>
    /// <param name="prediction">Float32 prediction.</param>
    /// <param name="target">Float32 target of the same shape.</param>
    protected abstract Tensor ElementwiseLoss(Tensor prediction, Tensor target);
}

/// <summary>L1 reconstruction loss |x - y| (see <see cref="ReconstructionLoss"/>).</summary>
/// <param name="weight">Multiplier (default 1).</param>
/// <param name="reduction">Mean (default), Sum or None.</param>
public sealed class L1Loss(double weight = 1.0, nn.Reduction reduction = nn.Reduction.Mean)
    : ReconstructionLoss(nameof(L1Loss), weight, reduction)
{
    /// <inheritdoc/>
    protected override Tensor ElementwiseLoss(Tensor prediction, Tensor target) => prediction.sub(target).abs();
}

/// <summary>Mean-squared-error reconstruction loss (x - y)^2 (see <see cref="ReconstructionLoss"/>).</summary>
/// <param name="weight">Multiplier (default 1).</param>
/// <param name="reduction">Mean (default), Sum or None.</param>
public sealed class MseLoss(double weight = 1.0, nn.Reduction reduction = nn.Reduction.Mean)
    : ReconstructionLoss(nameof(MseLoss), weight, reduction)
{
    /// <inheritdoc/>
    protected override Tensor ElementwiseLoss(Tensor prediction, Tensor target) => prediction.sub(target).square();
}
