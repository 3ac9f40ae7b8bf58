using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Losses;

/// <summary>
/// The value of a <see cref="ContrastiveLoss"/> together with the pair statistics worth logging.
/// </summary>
/// <param name="Loss">Scalar loss (float32, differentiable), already multiplied by the loss weight.</param>
/// <param name="PositivePairs">Number of same-ID pairs i &lt; j.</param>
/// <param name="NegativePairs">Number of different-ID pairs i &lt; j.</param>
/// <param name="MeanPositiveDistance">Mean Euclidean distance over same-ID pairs (NaN when there are none).</param>
/// <param name="MeanNegativeDistance">Mean Euclidean distance over different-ID pairs (NaN when there are none).</param>
public sealed record ContrastiveLossResult(Tensor Loss, long PositivePairs, long NegativePairs, double MeanPositiveDistance, double MeanNegativeDistance);

/// <summary>
/// The patent's binary contrastive loss (METHOD.md steps 7-8) over all pairs i &lt; j of a batch of features
/// <c>[M, D]</c> with identity labels <c>[M]</c>: with d the Euclidean distance, a same-ID pair costs d^2 and a
/// different-ID pair costs max(0, margin - d)^2 (Hadsell, Chopra, LeCun, "Dimensionality Reduction by Learning an
/// Invariant Mapping", CVPR 2006).
/// </summary>
/// <remarks>
/// <para>Normalisation: loss = mean over positive pairs + mean over negative pairs (times <see cref="Weight"/>),
/// not one mean over all pairs. A P x K batch (P identities, K images each) merged x3 (HR, LR, SR) has
/// P * 3K(3K-1)/2 positive but (3PK)^2 (P-1)/(2P) negative pairs, so negatives outnumber positives about P-fold;
/// averaging each set separately keeps both terms at a comparable scale whatever P and K are. Hadsell's factors
/// 1/2 are dropped (they only rescale the learning rate).</para>
/// <para>Edge cases: a batch without positive (or without negative) pairs contributes 0 for that term; fewer than
/// two samples is an error. d = sqrt(clamp(d^2, 1e-12)) so the gradient stays finite for duplicate features.
/// For L2-normalised features d lies in [0, 2], so margins in (0, 2] are meaningful (default 1).</para>
/// </remarks>
public sealed class ContrastiveLoss : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>Creates the loss.</summary>
    /// <param name="margin">Distance beyond which different-ID pairs cost nothing (&gt; 0; default 1).</param>
    /// <param name="weight">Multiplier of the loss (&gt;= 0; default 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">When margin or weight is out of range.</exception>
    public ContrastiveLoss(double margin = 1.0, double weight = 1.0) : base(nameof(ContrastiveLoss))
    {
        if (!(margin > 0) || double.IsInfinity(margin)) throw new ArgumentOutOfRangeException(nameof(margin), $"Contrastive margin must be finite and > 0; got {margin}.");
        if (!(weight >= 0) || double.IsInfinity(weight)) throw new ArgumentOutOfRangeException(nameof(weight), $"Loss weight must be finite and >= 0; got {weight}.");
        Margin = margin;
        Weight = weight;
    }

    /// <summary>The margin m of the different-ID term.</summary>
    public double Margin { get; }

    /// <summary>Multiplier of the loss.</summary>
    public double Weight { get; }

    /// <summary>Computes the weighted loss (scalar); see <see cref="Compute"/>.</summary>
    /// <param name="features">Features <c>[M, D]</c>; not disposed.</param>
    /// <param name="labels">Integer identity labels <c>[M]</c>; not disposed.</param>
    public override Tensor forward(Tensor features, Tensor labels) => Compute(features, labels).Loss;

    /// <summary>Computes the loss and its pair statistics.</summary>
    /// <param name="features">Features <c>[M, D]</c>, M &gt;= 2 (normally L2-normalised embeddings); not disposed.</param>
    /// <param name="labels">Integer identity labels <c>[M]</c>; not disposed.</param>
    /// <returns>The loss (scalar float32 tensor, owned by the caller's dispose scope) and statistics.</returns>
    /// <exception cref="ArgumentException">When shapes or dtypes are wrong or M &lt; 2.</exception>
    public ContrastiveLossResult Compute(Tensor features, Tensor labels)
    {
        if (features.dim() != 2 || !features.is_floating_point())
            throw new ArgumentException($"Contrastive loss expects float features [M, D]; got {features.dtype} [{string.Join(", ", features.shape)}].", nameof(features));
        long m = features.shape[0];
        if (m < 2) throw new ArgumentException($"Contrastive loss needs at least 2 samples to form a pair; got {m}.", nameof(features));
        if (labels.dim() != 1 || labels.shape[0] != m || labels.is_floating_point() || labels.dtype == ScalarType.Bool)
            throw new ArgumentException($"Contrastive loss expects integer labels [{m}]; got {labels.dtype} [{string.Join(", ", labels.shape)}].", nameof(labels));

        using var scope = NewDisposeScope();
        var x = features.to(float32);
        // Squared distances from the Gram matrix: |xi|^2 + |xj|^2 - 2 xi.xj (memory M^2, not M^2 D).
        var squaredNorms = x.square().sum(1);
        var d2 = squaredNorms.unsqueeze(1).add(squaredNorms.unsqueeze(0)).sub(x.mm(x.t()).mul(2)).clamp_min(1e-12);
        var d = d2.sqrt();

        var upper = ones(m, m, dtype: ScalarType.Bool).triu(1);
        var same = labels.unsqueeze(1).eq(labels.unsqueeze(0));
        var positive = same.logical_and(upper);
        var negative = same.logical_not().logical_and(upper);

        var positiveD = d.masked_select(positive);
        var negativeD = d.masked_select(negative);
        long positives = positiveD.shape[0], negatives = negativeD.shape[0];
        var positiveTerm = positives > 0 ? d2.masked_select(positive).mean() : zeros(1, dtype: float32).squeeze();
        var negativeTerm = negatives > 0 ? negativeD.neg().add(Margin).clamp_min(0).square().mean() : zeros(1, dtype: float32).squeeze();
        var loss = positiveTerm.add(negativeTerm).mul(Weight).MoveToOuterDisposeScope();

        double MeanOf(Tensor t) => t.shape[0] > 0 ? t.detach().mean().item<float>() : double.NaN;
        return new ContrastiveLossResult(loss, positives, negatives, MeanOf(positiveD), MeanOf(negativeD));
    }
}
