using SrFace.Cascade;
using SrFace.Data;
using SrFace.Degradation;
using SrFace.Models;
using SrFace.Models.SuperResolution;
using SrFace.Tests.Models.Pretrained;
using SrFace.Training;
using static TorchSharp.torch;

namespace SrFace.Tests.Training;

/// <summary>Joint fine-tuning from the pretrained dlib-resnet (issue 9): a few LFW faces, one or two iterations.</summary>
[Collection(TorchCollection.Name)]
public class FineTuningTests
{
    internal static readonly int[] Batch = [0, 1, 4, 5, 8, 9, 12, 13];

    /// <summary>Eight LFW people with 4 images each at 150 px, framed as the dlib-resnet catalogue entry says.</summary>
    internal static FaceImageLoader Loader150()
    {
        var small = TrainingFixtures.SmallLfwLoader();
        return new FaceImageLoader(small.Dataset, new FacePreprocessing(150, ModelCatalog.Recognizers["dlib-resnet"].CentredCropFraction), cacheCrops: true);
    }

    internal static JointTrainingOptions Small(double distillation = 0) => FineTuning.Defaults() with
    {
        IdentitiesPerBatch = 4,
        ImagesPerIdentity = 2,
        SuperResolutionWidth = 8,
        SuperResolutionBlocks = 3,
        DistillationWeight = distillation,
        Stop = new StopConditions(MaxIterations: 4),
        // Constant rates from the first step (the defaults warm up, so iteration 0 would barely move anything).
        RecognizerOptimizer = new OptimizerOptions(OptimizerKind.Adam, 1e-3, WeightDecay: 0, Schedule: LearningRateShape.Constant, WarmupIterations: 0),
        SuperResolutionOptimizer = new OptimizerOptions(OptimizerKind.Adam, 1e-3, WeightDecay: 0, Schedule: LearningRateShape.Constant, WarmupIterations: 0),
    };

    /// <summary>Bit-identical values and shape.</summary>
    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static Tensor[] Snapshot(IEnumerable<TorchSharp.Modules.Parameter> parameters) => parameters.Select(p => p.detach().clone()).ToArray();

    [Fact]
    public void FineTuningStartsFromTheStoreChangesTrainableStagesKeepsFrozenOnesAndGradientsFlow()
    {
        var loader = Loader150();
        var options = Small(distillation: 1) with { FrozenRecognizerStages = 2 };
        using var pretrained = ModelCatalog.CreatePretrainedRecognizer("dlib-resnet", PretrainedStore.Open());
        using var trainer = new JointTrainer(options, PretrainedStore.Open());
        using var scope = NewDisposeScope();

        // It starts from the store's weights, not a random initialisation.
        var start = trainer.Recognizer.parameters().Zip(pretrained.parameters()).ToArray();
        Assert.All(start, pair => Assert.True(Same(pair.First, pair.Second)));

        var stages = trainer.Recognizer.ParameterStages();
        var before = stages.Select(s => Snapshot(s.Parameters)).ToArray();
        var srBefore = Snapshot(trainer.SuperResolution!.parameters());
        var step = trainer.Step(loader.LoadBatch(Batch), loader.LoadLabels(Batch), 0);
        trainer.Step(loader.LoadBatch(Batch), loader.LoadLabels(Batch), 1);

        Assert.True(step.IsFinite && step.Distillation is > 0 && step.Total is > 0, $"losses {string.Join(", ", step.ToDictionary())}");
        for (var i = 0; i < stages.Count; i++)
        {
            var changed = stages[i].Parameters.Zip(before[i]).Count(p => !Same(p.First, p.Second));
            if (i < 2)
            {
                Assert.Equal(0, changed); // stem and stage1 frozen: bit-identical
                Assert.All(stages[i].Parameters, p => Assert.True(p.grad is null || p.grad.abs().sum().item<float>() == 0, $"frozen {stages[i].Name} got a gradient"));
            }
            else
            {
                Assert.True(changed > 0, $"stage {stages[i].Name} did not change");
                // Gradients reached every trainable stage and are finite.
                var grads = stages[i].Parameters.Where(p => p.grad is not null).Select(p => p.grad!).ToArray();
                Assert.NotEmpty(grads);
                Assert.All(grads, g => Assert.True(g.isfinite().all().item<bool>()));
                Assert.True(grads.Sum(g => g.abs().sum().item<float>()) > 0, $"no gradient in {stages[i].Name}");
            }
        }
        Assert.Contains(trainer.SuperResolution!.parameters().Zip(srBefore), p => !Same(p.First, p.Second));
        // The distillation teacher stays the pretrained network.
        Assert.All(trainer.Teacher!.parameters().Zip(pretrained.parameters()), p => Assert.True(Same(p.First, p.Second)));
    }

    /// <summary>dlib-resnet in two parts, split after any of its first six stages, computes what one pass does.</summary>
    [Fact]
    public void DlibResNetSplitAtAnyStageComputesTheSameEmbeddings()
    {
        using var model = ModelCatalog.CreatePretrainedRecognizer("dlib-resnet", PretrainedStore.Open());
        model.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var faces = Loader150().LoadBatch([0, 4]);
        var whole = model.forward(faces);
        Assert.True(model.SplitsAtStages);
        for (var k = 0; k <= 6; k++)
        {
            var parts = model.EmbedFrom(model.FeaturesAfter(faces, k), k);
            Assert.True(parts.allclose(whole, rtol: 1e-4, atol: 1e-5), $"split after {k} stages: max difference {parts.sub(whole).abs().max().item<float>()}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => model.FeaturesAfter(faces, 7));
    }

    /// <summary>
    /// The joint step with the frozen stages run apart (the HR and LR rows without autograd, the HR rows shared with the
    /// teacher) gives the losses and the updated weights of the step with one pass of the whole target set.
    /// </summary>
    [Fact]
    public void AStepWithTheFrozenStagesRunApartEqualsAStepWithOnePass()
    {
        var loader = Loader150();
        var options = Small(distillation: 1) with { FrozenRecognizerStages = 2 };
        var results = new List<(TrainingStepResult Step, Tensor[] Recognizer, Tensor[] Sr)>();
        using var scope = NewDisposeScope();
        foreach (var split in new[] { true, false })
        {
            using var trainer = new JointTrainer(options, PretrainedStore.Open());
            Assert.True(trainer.SplitsFrozenStages, "dlib-resnet with frozen stages splits by default");
            trainer.SplitsFrozenStages = split;
            var step = trainer.Step(loader.LoadBatch(Batch), loader.LoadLabels(Batch), 0);
            results.Add((step, Snapshot(trainer.Recognizer.parameters()), Snapshot(trainer.SuperResolution!.parameters())));
        }
        var (apart, together) = (results[0], results[1]);
        Assert.Equal(together.Step.Total!.Value, apart.Step.Total!.Value, 4);
        Assert.Equal(together.Step.Distillation!.Value, apart.Step.Distillation!.Value, 4);
        foreach (var (a, b) in apart.Recognizer.Concat(apart.Sr).Zip(together.Recognizer.Concat(together.Sr)))
            Assert.True(a.allclose(b, rtol: 1e-3, atol: 1e-5), $"weights differ by {a.sub(b).abs().max().item<float>()}");
        using var pretrained = ModelCatalog.CreatePretrainedRecognizer("dlib-resnet", PretrainedStore.Open());
        Assert.Contains(apart.Recognizer.Zip(Snapshot(pretrained.parameters())), p => !Same(p.First, p.Second)); // the step did update
    }

    [Fact]
    public void DlibStagesCoverEveryParameterOnceAndItsNormalisationIsTheAffineLayers()
    {
        using var model = ModelCatalog.CreateRecognizer("dlib-resnet", new RecognizerConfig());
        var stages = model.ParameterStages();
        Assert.Equal(["stem", "stage1", "stage2", "stage3", "stage4", "stage5", "head"], stages.Select(s => s.Name));
        var handles = stages.SelectMany(s => s.Parameters).Select(p => p.Handle).ToArray();
        Assert.Equal(handles.Length, handles.Distinct().Count());
        Assert.Equal(model.parameters().Select(p => p.Handle).Order(), handles.Order());
        Assert.Equal(29, model.NormalizationLayers().Count); // one per convolution
    }

    [Fact]
    public void FrozenNormalisationKeepsBatchNormStatisticsAndAffinesWhileConvolutionsTrain()
    {
        var loader = TrainingFixtures.SmallLfwLoader();
        var options = TrainingFixtures.TinyOptions() with { FreezeNormalization = true };
        using var trainer = new JointTrainer(options);
        using var scope = NewDisposeScope();
        var norms = trainer.Recognizer.NormalizationLayers();
        Assert.NotEmpty(norms);
        var state = norms.SelectMany(n => n.state_dict().Values).Select(t => t.clone()).ToArray(); // gamma, beta, running mean/var
        var weights = Snapshot(trainer.Recognizer.parameters().Where(p => p.requires_grad));
        trainer.Step(loader.LoadBatch(Batch), loader.LoadLabels(Batch), 0);
        trainer.Step(loader.LoadBatch(Batch), loader.LoadLabels(Batch), 1);
        var after = norms.SelectMany(n => n.state_dict().Values).ToArray();
        Assert.All(state.Zip(after), p => Assert.True(Same(p.First, p.Second)));
        Assert.Contains(trainer.Recognizer.parameters().Where(p => p.requires_grad).Zip(weights), p => !Same(p.First, p.Second));
        Assert.True(trainer.FrozenRecognizerParameters > 0);
    }

    [Fact]
    public void FreezingEveryStageIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new JointTrainer(Small() with { FrozenRecognizerStages = 7 }, PretrainedStore.Open()));
        Assert.Contains("nothing", e.Message);
        Assert.Throws<ArgumentException>(() => new JointTrainer(Small()));
    }

    [Theory]
    [InlineData(2, 75)]
    [InlineData(4, 38)]
    [InlineData(8, 19)]
    [InlineData(16, 10)]
    public void TrainingDegradesToTheProbeSidesOfTheBenchmark(int scale, int side)
    {
        Assert.Equal(side, JointTrainer.ProbeSide(150, scale));
        using var trainer = new JointTrainer(Small() with { ScaleRange = null, Degradation = new DegradationOptions(Scale: scale) }, PretrainedStore.Open());
        using var scope = NewDisposeScope();
        var hr = rand(2, 3, 150, 150);
        var lr = trainer.Downsample(hr, 0);
        Assert.Equal(new long[] { 2, 3, side, side }, lr.shape);
        Assert.Equal(new long[] { 2, 3, 150, 150 }, trainer.Restore(lr).shape);
    }

    [Fact]
    public void MultiScaleTrainingDrawsSidesBetweenItsBounds()
    {
        using var trainer = new JointTrainer(Small(), PretrainedStore.Open());
        var sides = Enumerable.Range(0, 200).Select(i => trainer.LowResolutionSide(i)!.Value).ToArray();
        Assert.All(sides, s => Assert.InRange(s, 10, 75));
        Assert.True(sides.Distinct().Count() > 20, "the scale should vary from batch to batch");
        Assert.Equal(sides, Enumerable.Range(0, 200).Select(i => trainer.LowResolutionSide(i)!.Value)); // seeded by the iteration
    }

    [Fact]
    public void FineTuningChipsAreAlignedOnceAndSharedBetweenLoaders()
    {
        var small = TrainingFixtures.SmallLfwLoader();
        var preparer = new FacePreparer(FineTuning.Preprocessing("dlib-resnet"), SrFace.Tests.Detection.DetectionModels.Detector, centredCropWhenNoFace: true);
        var loader = new FaceImageLoader(small.Dataset, preparer, cacheCrops: true);
        using var scope = NewDisposeScope();
        var aligned = loader.LoadBatch([0, 4]);
        Assert.Equal(new long[] { 2, 3, 150, 150 }, aligned.shape);
        Assert.Empty(preparer.FallbackFiles);
        var path = small.Dataset.Samples[0].Path;
        var direct = preparer.Prepare(new SrFace.Imaging.FaceImageReader().Read(path), path).Chip;
        Assert.True(Same(aligned[0], direct));
        Assert.False(Same(aligned, Loader150().LoadBatch([0, 4]))); // not the centred crop
        // Another dataset through WithDataset reuses the prepared faces: nothing is detected again.
        var one = loader.WithDataset(new FaceDataset("one", [(path, small.Dataset.Samples[0].Identity)]));
        Assert.Equal(2, loader.CachedCount);
        Assert.True(Same(one.LoadBatch([0])[0], aligned[0]));
        Assert.Equal(2, one.CachedCount);
    }

    [Fact]
    public void OddSizeProbesGoThroughThe150PxCascade()
    {
        using var trainer = new JointTrainer(Small(), PretrainedStore.Open());
        using var cascade = trainer.ToCascade(new FacePreprocessing(150));
        Assert.True(cascade.SuperResolution!.PreUpsampled);
        using var scope = NewDisposeScope();
        var faces = Loader150().LoadBatch([0, 4]);
        foreach (var side in new[] { 37, 19, 10 })
        {
            var probe = FaceDegradation.Resize(faces, side, side);
            var restored = cascade.Restore(probe);
            Assert.Equal(new long[] { 2, 3, 150, 150 }, restored.shape);
            Assert.True(restored.min().item<float>() >= 0 && restored.max().item<float>() <= 1);
            // Restore = the SR model on the bicubic pre-upsampled probe, clamped.
            using (no_grad())
            {
                var expected = cascade.SuperResolution!.forward(FaceDegradation.Upsample(probe, 150, 150)).clamp(0, 1);
                Assert.True(restored.allclose(expected, rtol: 1e-4, atol: 1e-5), $"{side} px");
            }
            var embedding = cascade.EmbedLowResolution(probe);
            Assert.Equal(new long[] { 2, 128 }, embedding.shape);
            Assert.True(embedding.norm(1).sub(1).abs().max().item<float>() < 1e-4);
            Assert.True(embedding.isfinite().all().item<bool>());
        }
        // Saved and loaded, the cascade restores the same way.
        var path = Path.Combine(TestData.NewTempDir(), "ft.srface");
        cascade.Save(path);
        using var loaded = FaceRecognitionCascade.Load(path);
        var p37 = FaceDegradation.Resize(faces, 37, 37);
        Assert.True(loaded.EmbedLowResolution(p37).allclose(cascade.EmbedLowResolution(p37), atol: 1e-5));
    }

    [Theory]
    [InlineData(37)]
    [InlineData(19)]
    [InlineData(150)]
    public void VdsrKeepsAnySizeAndStartsNearItsInput(int side)
    {
        using var model = new Vdsr(new VdsrOptions(Width: 8, Layers: 3));
        using var scope = NewDisposeScope();
        var x = rand(1, 3, side, side);
        using var _ = no_grad();
        var y = model.forward(x);
        Assert.Equal(x.shape, y.shape);
        Assert.True((y - x).abs().mean().item<float>() < 0.05); // the last layer starts small: close to the bicubic input
    }
}
