using static TorchSharp.torch;

namespace SrFace.Losses;

/// <summary>The discriminator's loss and its two parts, scalar float32 tensors.</summary>
/// <param name="Total">Real + Fake (the quantity to minimise).</param>
/// <param name="Real">BCE of D(real) against label 1.</param>
/// <param name="Fake">BCE of D(fake) against label 0.</param>
public sealed record DiscriminatorLossResult(Tensor Total, Tensor Real, Tensor Fake);

/// <summary>
/// SRGAN's ("vanilla") adversarial losses on discriminator logits (Ledig et al., CVPR 2017, eq. 6; Goodfellow et al.,
/// NeurIPS 2014), via <c>binary_cross_entropy_with_logits</c> (mean over the batch).
/// </summary>
/// <remarks>
/// As in BasicSR's <c>GANLoss</c>, <see cref="Weight"/> scales the generator's loss only (SRGAN: 1e-3 next to the
/// content loss); the discriminator's loss is unweighted. The trainer passes detached fakes to
/// <see cref="DiscriminatorLoss"/>.
/// </remarks>
public sealed class SrganAdversarialLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Weight of the generator's adversarial term (&gt;= 0; SRGAN: 1e-3).</param>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="weight"/> is negative or not finite.</exception>
    public SrganAdversarialLoss(double weight = 1e-3)
    {
        if (!(weight >= 0) || double.IsInfinity(weight)) throw new ArgumentOutOfRangeException(nameof(weight), $"Loss weight must be finite and >= 0; got {weight}.");
        Weight = weight;
    }

    /// <summary>Weight of the generator's adversarial term.</summary>
    public double Weight { get; }

    /// <summary>Generator loss: Weight x BCE(D(fake), 1) — the generator wants its outputs judged real.</summary>
    /// <param name="fakeLogits">D's logits for restored images, e.g. <c>[N, 1]</c>; not disposed.</param>
    /// <returns>Scalar float32 loss.</returns>
    public Tensor GeneratorLoss(Tensor fakeLogits)
    {
        using var scope = NewDisposeScope();
        var logits = fakeLogits.to(float32);
        var bce = nn.functional.binary_cross_entropy_with_logits(logits, ones_like(logits), null, nn.Reduction.Mean, null);
        return bce.mul(Weight).MoveToOuterDisposeScope();
    }

    /// <summary>Discriminator loss: BCE(D(real), 1) + BCE(D(fake), 0).</summary>
    /// <param name="realLogits">D's logits for HR images; not disposed.</param>
    /// <param name="fakeLogits">D's logits for (detached) restored images; not disposed.</param>
    /// <returns>Total, real and fake parts, scalar float32.</returns>
    public DiscriminatorLossResult DiscriminatorLoss(Tensor realLogits, Tensor fakeLogits)
    {
        using var scope = NewDisposeScope();
        var real = realLogits.to(float32);
        var fake = fakeLogits.to(float32);
        var realLoss = nn.functional.binary_cross_entropy_with_logits(real, ones_like(real), null, nn.Reduction.Mean, null);
        var fakeLoss = nn.functional.binary_cross_entropy_with_logits(fake, zeros_like(fake), null, nn.Reduction.Mean, null);
        var total = realLoss.add(fakeLoss);
        return new DiscriminatorLossResult(total.MoveToOuterDisposeScope(), realLoss.MoveToOuterDisposeScope(), fakeLoss.MoveToOuterDisposeScope());
    }
}
