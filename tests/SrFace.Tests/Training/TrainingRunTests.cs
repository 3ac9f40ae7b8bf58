using System.Diagnostics;
using SrFace.Training;

namespace SrFace.Tests.Training;

[Collection(TorchCollection.Name)]
public class TrainingRunTests
{
    [Fact]
    public void ResumedRunEndsWithTheSameMetricsAndWeightsAsAnUninterruptedRun()
    {
        var options = TrainingFixtures.TinyOptions();
        var loader = TrainingFixtures.SmallLfwLoader();

        var whole = TestData.NewTempDir();
        using (var trainer = new JointTrainer(options))
            new TrainingRun(options, loader, whole).Run(trainer);

        // The "killed" run: stop after the checkpoint at iteration 3, then resume in a fresh trainer.
        var split = TestData.NewTempDir();
        using (var cts = new CancellationTokenSource())
        using (var trainer = new JointTrainer(options))
        {
            var run = new TrainingRun(options, loader, split);
            var observer = new CancelAfter(3, cts);
            run.Run(trainer, observer, cancellation: cts.Token);
        }
        // Simulate losing the lines logged after the checkpoint by a kill -9: resume truncates them anyway.
        TrainingRunResult resumed;
        using (var trainer = new JointTrainer(options))
            resumed = new TrainingRun(options, loader, split).Run(trainer, resume: true);

        Assert.Equal(StopReason.MaxIterations, resumed.Reason);
        Assert.Equal(6, resumed.IterationsCompleted);
        var a = MetricsLog.Read(Path.Combine(whole, TrainingRun.MetricsFileName));
        var b = MetricsLog.Read(Path.Combine(split, TrainingRun.MetricsFileName));
        Assert.Equal(6, a.Count);
        Assert.Equal(6, b.Count);
        for (var i = 0; i < a.Count; i++)
            foreach (var key in new[] { "iteration", "l_rec", "l_con", "lr_sr", "lr_rec" })
                Assert.Equal(a[i][key], b[i][key]);
    }

    [Fact]
    public void FacesAlignedOnTheWorkerThreadWhileTrainingGiveTheSameRunAsFacesAlignedBeforehand()
    {
        // The next batch is detected and aligned (libtorch) on a worker thread while the step runs: the run must see
        // the same faces and the same seeded draws as a run whose faces were all prepared before it started.
        var options = TrainingFixtures.TinyOptions() with { Stop = new StopConditions(MaxIterations: 4), CheckpointEvery = 100 };
        var dataset = TrainingFixtures.SmallLfwLoader().Dataset;
        SrFace.Data.FaceImageLoader Aligned() => new(dataset, new SrFace.Data.FacePreparer(
            new SrFace.Data.FacePreprocessing(options.InputSize, Alignment: SrFace.Models.FaceAlignmentTemplate.DlibChip),
            SrFace.Tests.Detection.DetectionModels.Detector, centredCropWhenNoFace: true), cacheCrops: true);
        var beforehand = Aligned();
        using (TorchSharp.torch.NewDisposeScope())
            beforehand.LoadBatch(Enumerable.Range(0, dataset.Count).ToArray());
        var live = Aligned();
        Assert.False(live.ReadsInManagedCode);

        var runs = new List<IReadOnlyList<Dictionary<string, double>>>();
        foreach (var loader in new[] { beforehand, live })
        {
            var folder = TestData.NewTempDir();
            using var trainer = new JointTrainer(options);
            new TrainingRun(options, loader, folder).Run(trainer);
            runs.Add(MetricsLog.Read(Path.Combine(folder, TrainingRun.MetricsFileName)));
        }
        Assert.True(live.CachedCount > 0);
        Assert.Equal(4, runs[1].Count);
        for (var i = 0; i < runs[0].Count; i++)
            foreach (var key in new[] { "l_rec", "l_con", "d_pos", "d_neg" })
                Assert.Equal(runs[0][i][key], runs[1][i][key]);
    }

    [Fact]
    public void ACorruptCheckpointIsAClearErrorAndOtherOptionsAreRefused()
    {
        var options = TrainingFixtures.TinyOptions();
        var loader = TrainingFixtures.SmallLfwLoader();
        var dir = TestData.NewTempDir();
        File.WriteAllText(Path.Combine(dir, TrainingCheckpoint.FileName), "not a checkpoint");
        using (var trainer = new JointTrainer(options))
        {
            var e = Assert.Throws<InvalidDataException>(() => new TrainingRun(options, loader, dir).Run(trainer, resume: true));
            Assert.Contains(TrainingCheckpoint.FileName, e.Message);
        }
        File.Delete(Path.Combine(dir, TrainingCheckpoint.FileName));
        using (var trainer = new JointTrainer(options))
            new TrainingRun(options, loader, dir).Run(trainer);
        var other = options with { Margin = 0.5 };
        using (var trainer = new JointTrainer(other))
            Assert.Throws<InvalidDataException>(() => new TrainingRun(other, loader, dir).Run(trainer, resume: true));
    }

    [Fact]
    public void ANonFiniteLossStopsTheRunAndKeepsTheLastGoodCheckpoint()
    {
        // A learning rate of 1e30 blows the weights up within a few steps.
        var options = TrainingFixtures.TinyOptions() with
        {
            RecognizerOptimizer = new OptimizerOptions(OptimizerKind.Sgd, 1e30, Schedule: LearningRateShape.Constant, WarmupIterations: 0),
            Stop = new StopConditions(MaxIterations: 40),
            CheckpointEvery = 1,
        };
        var loader = TrainingFixtures.SmallLfwLoader();
        var dir = TestData.NewTempDir();
        using var trainer = new JointTrainer(options);
        var result = new TrainingRun(options, loader, dir).Run(trainer);
        Assert.Equal(StopReason.NonFiniteLoss, result.Reason);
        Assert.Contains("l_con", result.Message);
        var manifest = TrainingCheckpoint.ReadManifest(Path.Combine(dir, TrainingCheckpoint.FileName));
        Assert.Equal(result.IterationsCompleted, manifest.NextIteration);
    }

    [Fact]
    public void NativeMemoryStaysFlatOverFiftyIterations()
    {
        var options = TrainingFixtures.TinyOptions() with { Stop = new StopConditions(MaxIterations: 60), CheckpointEvery = 1000 };
        var loader = TrainingFixtures.SmallLfwLoader();
        using var trainer = new JointTrainer(options);
        var observer = new MemoryProbe(warmup: 10);
        new TrainingRun(options, loader, TestData.NewTempDir()).Run(trainer, observer);
        // Without a dispose scope per iteration the resident set grows by megabytes per iteration (TORCHSHARP-NOTES);
        // allow 40 MB of allocator noise over 50 iterations.
        var growthMb = (observer.Last - observer.AfterWarmup) / 1e6;
        Assert.True(growthMb < 40, $"resident memory grew {growthMb:F1} MB over 50 iterations");
    }

    [Fact]
    public void CheckpointsAreAlsoWrittenByTimeNotOnlyEveryNIterations()
    {
        // 1000 iterations between checkpoints would lose a whole 3-iteration run when killed; the time rule does not.
        var options = TrainingFixtures.TinyOptions() with { CheckpointEvery = 1000, Stop = new StopConditions(3) };
        var loader = TrainingFixtures.SmallLfwLoader();
        var byTime = new CheckpointLog();
        using (var trainer = new JointTrainer(options))
            new TrainingRun(options, loader, TestData.NewTempDir()) { CheckpointInterval = TimeSpan.Zero }.Run(trainer, byTime);
        Assert.Equal([1L, 2L, 3L], byTime.Iterations.Distinct());

        var byDefault = new CheckpointLog();
        using (var trainer = new JointTrainer(options))
            new TrainingRun(options, loader, TestData.NewTempDir()).Run(trainer, byDefault);
        Assert.Equal([3L], byDefault.Iterations); // a fast run stays within 2 minutes: only the final checkpoint
        Assert.Equal(TimeSpan.FromMinutes(2), TrainingRun.DefaultCheckpointInterval);
    }

    private sealed class CheckpointLog : ITrainingObserver
    {
        public List<long> Iterations { get; } = [];

        public void OnCheckpoint(string path, long nextIteration) => Iterations.Add(nextIteration);
    }

    private sealed class CancelAfter(long iterations, CancellationTokenSource cts) : ITrainingObserver
    {
        public void OnIteration(long iteration, IReadOnlyDictionary<string, double> metrics)
        {
            if (iteration + 1 == iterations) cts.Cancel();
        }
    }

    private sealed class MemoryProbe(int warmup) : ITrainingObserver
    {
        public long AfterWarmup { get; private set; }
        public long Last { get; private set; }

        public void OnIteration(long iteration, IReadOnlyDictionary<string, double> metrics)
        {
            if (iteration + 1 < warmup) return;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            using var process = Process.GetCurrentProcess();
            Last = process.WorkingSet64;
            if (iteration + 1 == warmup) AfterWarmup = Last;
        }
    }
}
