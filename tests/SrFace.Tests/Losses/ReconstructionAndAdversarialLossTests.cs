using SrFace.Losses;
using static TorchSharp.torch;

namespace SrFace.Tests.Losses;

[Collection(TorchCollection.Name)]
public class ReconstructionAndAdversarialLossTests
{
    // prediction - target = [0, 0.5, 0.5, 0].
    private static Tensor Prediction() => tensor(new float[] { 0, 0.5f, 1, 1 }).reshape(1, 1, 2, 2);
    private static Tensor Target() => tensor(new float[] { 0, 0, 0.5f, 1 }).reshape(1, 1, 2, 2);

    [Theory]
    [InlineData(ReconstructionLossKind.L1, 0.25)]                          // (0.5 + 0.5) / 4
    [InlineData(ReconstructionLossKind.Mse, 0.125)]                        // (0.25 + 0.25) / 4
    [InlineData(ReconstructionLossKind.Charbonnier, 0.25050050)]           // (2 * 1e-3 + 2 * sqrt(0.25 + 1e-6)) / 4
    public void MeanReductionMatchesHandComputedValues(ReconstructionLossKind kind, double expected)
    {
        using var scope = NewDisposeScope();
        var loss = ReconstructionLoss.Create(kind);
        Assert.Equal(expected, loss.forward(Prediction(), Target()).item<float>(), 5);
    }

    [Fact]
    public void WeightAndSumAndNoneReductionsApply()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(2 * 1.0, ReconstructionLoss.Create(ReconstructionLossKind.L1, 2, nn.Reduction.Sum).forward(Prediction(), Target()).item<float>(), 5);
        var none = ReconstructionLoss.Create(ReconstructionLossKind.Mse, reduction: nn.Reduction.None).forward(Prediction(), Target());
        Assert.Equal(new long[] { 1, 1, 2, 2 }, none.shape);
        Assert.Throws<ArgumentException>(() => new L1Loss().forward(Prediction(), zeros(1, 1, 2, 3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CharbonnierLoss(eps: 0));
    }

    [Fact]
    public void AdversarialLossesAreBinaryCrossEntropyOnLogits()
    {
        using var scope = NewDisposeScope();
        var gan = new SrganAdversarialLoss(weight: 0.5);
        // Logit 0 = probability 1/2: BCE = ln 2 against either label.
        Assert.Equal(0.5 * Math.Log(2), gan.GeneratorLoss(zeros(4, 1)).item<float>(), 5);
        // D sure and right: real logit +20, fake logit -20 -> both parts about e^-20; generator loss then about 20 * 0.5.
        var d = gan.DiscriminatorLoss(full(4, 1, 20f), full(4, 1, -20f));
        Assert.True(d.Total.item<float>() < 1e-6);
        Assert.Equal(10, gan.GeneratorLoss(full(4, 1, -20f)).item<float>(), 3);
        var unsure = gan.DiscriminatorLoss(zeros(2, 1), zeros(2, 1));
        Assert.Equal(2 * Math.Log(2), unsure.Total.item<float>(), 5);
        Assert.Equal(Math.Log(2), unsure.Real.item<float>(), 5);
    }
}
