using SrFace.Degradation;
using SrFace.Training;
using static TorchSharp.torch;

namespace SrFace.Tests.Training;

/// <summary>Item 10 of issue 10: names that say what the code does, and the validation-accuracy stop wired.</summary>
[Collection(TorchCollection.Name)]
public class HonestNamesTests
{
    [Fact]
    public void Upsample_refuses_to_shrink_and_Resize_goes_both_ways()
    {
        using var scope = NewDisposeScope();
        var faces = rand(2, 3, 32, 32);
        Assert.Throws<ArgumentException>(() => FaceDegradation.Upsample(faces, 8, 8));
        Assert.Equal(new long[] { 2, 3, 8, 8 }, FaceDegradation.Resize(faces, 8, 8).shape);
        Assert.Equal(new long[] { 2, 3, 64, 64 }, FaceDegradation.Upsample(faces, 64, 64).shape);
        Assert.True(FaceDegradation.Upsample(faces, 64, 64).eq(FaceDegradation.Resize(faces, 64, 64)).all().item<bool>());
    }

    [Theory]
    [InlineData(0.0, 0.9)]    // Adam: m^ = 0.5, v^ = 0.25, step lr * 0.5 / 0.5 = 0.1
    [InlineData(0.1, 0.89)]   // decoupled decay first (1 - lr * wd), then the same Adam step: AdamW, as documented
    public void The_adam_kind_is_adam_at_zero_weight_decay_and_adamw_otherwise(double weightDecay, double expected)
    {
        using var scope = NewDisposeScope();
        var parameter = new TorchSharp.Modules.Parameter(tensor(new[] { 1.0f }));
        using var optimizer = OptimizerFactory.Create(new OptimizerOptions(OptimizerKind.Adam, LearningRate: 0.1, WeightDecay: weightDecay), [parameter]);
        parameter.grad = tensor(new[] { 0.5f });
        optimizer.step();
        Assert.Equal(expected, parameter.data<float>()[0], 5);
    }

    [Fact]
    public void The_validation_accuracy_stop_ends_a_run()
    {
        var options = TrainingFixtures.TinyOptions() with { Stop = new StopConditions(5, TargetValidationAccuracy: 0.01) };
        var loader = TrainingFixtures.SmallLfwLoader();
        using var validation = new ValidationAccuracy(loader.Dataset, loader.Preprocessing, maxImages: 16);
        using var trainer = new JointTrainer(options);
        var result = new TrainingRun(options, loader, TestData.NewTempDir()) { Validation = validation.Measure, ValidateEvery = 1 }.Run(trainer);
        Assert.Equal(StopReason.ValidationAccuracyReached, result.Reason);
        Assert.Equal(1, result.IterationsCompleted);
        // Best-threshold accuracy is never below the share of the larger pair class.
        Assert.InRange(result.LastValidationAccuracy!.Value, 0.5, 1.0);
        Assert.Throws<ArgumentException>(() => (options with { Stop = new StopConditions(5, TargetValidationAccuracy: 1.5) }).Validate());
    }
}
