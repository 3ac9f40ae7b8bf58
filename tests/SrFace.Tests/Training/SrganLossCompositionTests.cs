using SrFace.Training;
using static TorchSharp.torch;

namespace SrFace.Tests.Training;

/// <summary>How the SRGAN step composes its total loss (issue 9, item 6: the adversarial weight was applied twice).</summary>
[Collection(TorchCollection.Name)]
public class SrganLossCompositionTests
{
    private static readonly int[] Batch = [0, 1, 4, 5, 8, 9, 12, 13];

    [Fact]
    public void TheAdversarialWeightIsAppliedOnceAndTheTotalIsTheWeightedSum()
    {
        var loader = TrainingFixtures.SmallLfwLoader();
        var options = TrainingFixtures.TinyOptions("srgan") with { AdversarialWeight = 0.5, IdentityContentWeight = 0.25 };
        using var trainer = new JointTrainer(options);
        using var scope = NewDisposeScope();
        var hr = loader.LoadBatch(Batch);
        var labels = loader.LoadLabels(Batch);

        // BCE(D(SR(LR)), 1) of the models before the step, on the same degraded batch (iteration 0).
        double bce;
        using (no_grad())
        {
            trainer.SuperResolution!.train();
            var restored = trainer.Restore(trainer.Downsample(hr, 0));
            var logits = trainer.Discriminator!.forward(restored).to(float32);
            bce = nn.functional.binary_cross_entropy_with_logits(logits, ones_like(logits), null, nn.Reduction.Mean, null).item<float>();
        }
        var step = trainer.Step(hr, labels, 0);

        Assert.Equal(0.5 * bce, step.Adversarial!.Value, 4);          // the weight once (the bug gave 0.25 x BCE)
        Assert.NotEqual(0.25 * bce, step.Adversarial.Value, 4);
        var expected = step.Contrastive + step.Reconstruction!.Value + step.Adversarial.Value + 0.25 * step.IdentityContent!.Value;
        Assert.Equal(expected, step.Total!.Value, 4);
        Assert.True(trainer.Recognizer.training, "the recogniser is back in training mode after the eval-mode identity pass");
    }

    [Fact]
    public void ComposeTotalWeighsIdentityContentAndDistillationButNotTheAlreadyWeightedAdversarialTerm()
    {
        using var scope = NewDisposeScope();
        var options = new JointTrainingOptions { IdentityContentWeight = 0.1, DistillationWeight = 2, AdversarialWeight = 0.001 };
        var total = JointTrainer.ComposeTotal(options, tensor(1.0f), tensor(0.5f), tensor(0.25f), tensor(3.0f), tensor(0.125f));
        Assert.Equal(1 + 0.5 + 0.25 + 0.1 * 3 + 2 * 0.125, total.item<float>(), 5);
        Assert.Equal(1.0, JointTrainer.ComposeTotal(options, tensor(1.0f), null, null, null, null).item<float>(), 6);
    }

    [Fact]
    public void TheDiscriminatorLearnsWithItsOwnOptimiserSettings()
    {
        var options = TrainingFixtures.TinyOptions("srgan") with
        {
            DiscriminatorOptimizer = new OptimizerOptions(OptimizerKind.Adam, 3e-4, WeightDecay: 0, Schedule: LearningRateShape.Constant, WarmupIterations: 0),
            SuperResolutionOptimizer = new OptimizerOptions(OptimizerKind.Adam, 1e-3, WeightDecay: 0, Schedule: LearningRateShape.Constant, WarmupIterations: 0),
        };
        using var trainer = new JointTrainer(options);
        var rates = trainer.SetLearningRates(2);
        Assert.Equal(3e-4, rates["lr_d"], 10);
        Assert.Equal(1e-3, rates["lr_sr"], 10);
        Assert.All(trainer.DiscriminatorOptimizer!.ParamGroups, g => Assert.Equal(3e-4, g.LearningRate, 10));
    }
}
