using SrFace.Losses;
using static TorchSharp.torch;

namespace SrFace.Tests.Losses;

[Collection(TorchCollection.Name)]
public class ContrastiveLossTests
{
    [Fact]
    public void MatchesHandComputedValueOnFourPointsInTwoDimensions()
    {
        using var scope = NewDisposeScope();
        // x0 = (1, 0), x1 = (0, 1) are ID 0; x2 = (-1, 0), x3 = (0.6, 0.8) are ID 1; margin 1.
        // Positive pairs: d(0,1)^2 = 2, d(2,3)^2 = 1.6^2 + 0.8^2 = 3.2          -> mean 2.6
        // Negative pairs: d(0,2) = 2 -> 0;  d(0,3)^2 = 0.8 -> (1 - sqrt 0.8)^2 = 1.8 - 2 sqrt 0.8 = 0.0111456
        //                 d(1,2) = sqrt 2 -> 0;  d(1,3)^2 = 0.4 -> (1 - sqrt 0.4)^2 = 1.4 - 2 sqrt 0.4 = 0.1350889
        //                 -> mean (0.0111456 + 0.1350889) / 4 = 0.0365586
        // Loss = 2.6 + 0.0365586 = 2.6365586.
        // Mean distances: positive (sqrt 2 + sqrt 3.2) / 2 = 1.6015339; negative (2 + sqrt 0.8 + sqrt 2 + sqrt 0.4) / 4 = 1.2352742.
        var features = tensor(new float[] { 1, 0, 0, 1, -1, 0, 0.6f, 0.8f }).reshape(4, 2);
        var labels = tensor(new long[] { 0, 0, 1, 1 });
        var result = new ContrastiveLoss(margin: 1.0).Compute(features, labels);
        Assert.Equal(2.6365586, result.Loss.item<float>(), 5);
        Assert.Equal(2, result.PositivePairs);
        Assert.Equal(4, result.NegativePairs);
        Assert.Equal(1.6015339, result.MeanPositiveDistance, 5);
        Assert.Equal(1.2352742, result.MeanNegativeDistance, 5);
        Assert.Equal(2 * 2.6365586, new ContrastiveLoss(1.0, weight: 2).forward(features, labels).item<float>(), 4);
    }

    [Fact]
    public void GradientIsFiniteForDuplicateFeatures()
    {
        using var scope = NewDisposeScope();
        // Rows 0 and 1 coincide (same ID, d = 0); rows 1 and 2 coincide across IDs (d = 0 inside the margin).
        var features = tensor(new float[] { 1, 0, 1, 0, 1, 0, 0, 1 }).reshape(4, 2).requires_grad_(true);
        var labels = tensor(new long[] { 0, 0, 1, 1 });
        var loss = new ContrastiveLoss().forward(features, labels);
        loss.backward();
        Assert.True(float.IsFinite(loss.item<float>()));
        Assert.True(features.grad!.isfinite().all().item<bool>());
    }

    [Fact]
    public void MissingPairKindContributesZeroAndTooFewSamplesThrow()
    {
        using var scope = NewDisposeScope();
        var features = tensor(new float[] { 1, 0, 0, 1, 0.6f, 0.8f }).reshape(3, 2);
        // All one ID: only positives, mean of d^2 = (2 + 0.8 + 0.4) / 3.
        var allSame = new ContrastiveLoss().Compute(features, tensor(new long[] { 7, 7, 7 }));
        Assert.Equal(0, allSame.NegativePairs);
        Assert.True(double.IsNaN(allSame.MeanNegativeDistance));
        Assert.Equal(3.2 / 3, allSame.Loss.item<float>(), 5);
        // All different: only negatives; d(0,1) = sqrt 2 >= margin 1, so (0 + (1 - sqrt .8)^2 + (1 - sqrt .4)^2) / 3.
        var allDifferent = new ContrastiveLoss().Compute(features, tensor(new long[] { 0, 1, 2 }));
        Assert.Equal(0, allDifferent.PositivePairs);
        Assert.Equal((0.0111456 + 0.1350889) / 3, allDifferent.Loss.item<float>(), 5);

        Assert.Throws<ArgumentException>(() => new ContrastiveLoss().Compute(ones(1, 2), tensor(new long[] { 0 })));
        Assert.Throws<ArgumentException>(() => new ContrastiveLoss().Compute(ones(2, 2), tensor(new float[] { 0, 1 })));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ContrastiveLoss(margin: 0));
    }
}
