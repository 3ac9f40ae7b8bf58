using SrFace.Benchmarks.Harness;
using SrFace.Runtime;
using SrFace.Training;
using static TorchSharp.torch;

namespace SrFace.Benchmarks.Suites;

/// <summary>
/// Throughput of the joint training loop (<see cref="JointTrainer.Step"/>: degrade, restore, merge, recognise,
/// contrastive + L1 loss, backward, two SGD steps) on one fixed P x K batch, at 64 and 112 px, fp32 and bf16,
/// always channels-last; plus the HR-only baseline step at 64 px.
/// </summary>
internal static class TrainingSuite
{
    public const string Name = "training";

    /// <summary>Name of the joint-step-only suite (the four joint rows, as <c>bench/pytorch/compare.sh</c> compares them with PyTorch).</summary>
    public const string JointName = "joint";

    /// <summary>Times only the joint step at 64 and 112 px, fp32 and bf16.</summary>
    public static SuiteResult RunJoint(StopwatchRunner runner, FaceBatches faces, Action<string> progress)
    {
        var cases = new List<CaseResult>();
        foreach (var size in new[] { 64, 112 })
        {
            using var scope = NewDisposeScope();
            var (hr, labels) = faces.Load(size);
            foreach (var precision in new[] { ComputePrecision.Float32, ComputePrecision.BFloat16 })
                cases.Add(Measure(runner, BenchmarkModels.Joint(size, precision), hr, labels, "joint FSRCNN x4 + FaceResNet-18 w32 step", progress));
        }
        return new SuiteResult(JointName, faces.Source, cases, [],
            [$"Batch: P x K = {BenchmarkModels.Identities} x {BenchmarkModels.PerIdentity} = {faces.Count} HR images per step; images/s counts HR input images."]);
    }

    public static SuiteResult Run(StopwatchRunner runner, FaceBatches faces, Action<string> progress)
    {
        var cases = new List<CaseResult>();
        var ratios = new List<RatioResult>();
        foreach (var size in new[] { 64, 112 })
        {
            using var scope = NewDisposeScope();
            var (hr, labels) = faces.Load(size);
            var fp32 = Measure(runner, BenchmarkModels.Joint(size, ComputePrecision.Float32), hr, labels, "joint FSRCNN x4 + FaceResNet-18 w32 step", progress);
            var bf16 = Measure(runner, BenchmarkModels.Joint(size, ComputePrecision.BFloat16), hr, labels, "joint FSRCNN x4 + FaceResNet-18 w32 step", progress);
            cases.AddRange([fp32, bf16]);
            ratios.Add(RatioResult.Throughput($"bf16 / fp32 images/s, joint {size} px", bf16, fp32));
        }
        using (NewDisposeScope())
        {
            var (hr, labels) = faces.Load(64);
            var fp32 = Measure(runner, BenchmarkModels.RecognizerOnly(64, ComputePrecision.Float32), hr, labels, "HR-only FaceResNet-18 w32 step", progress);
            var bf16 = Measure(runner, BenchmarkModels.RecognizerOnly(64, ComputePrecision.BFloat16), hr, labels, "HR-only FaceResNet-18 w32 step", progress);
            cases.AddRange([fp32, bf16]);
            ratios.Add(RatioResult.Throughput("bf16 / fp32 images/s, HR-only baseline 64 px", bf16, fp32));
            foreach (var (joint, baseline) in new[] { (cases[0], fp32), (cases[1], bf16) })
                ratios.Add(RatioResult.Throughput($"HR-only baseline / joint images/s, 64 px {baseline.Precision}", baseline, joint));
        }
        return new SuiteResult(Name, faces.Source, cases, ratios,
        [
            $"Batch: P x K = {BenchmarkModels.Identities} x {BenchmarkModels.PerIdentity} = {faces.Count} HR images per step; images/s counts HR input images.",
            "In the joint step the recogniser sees 3x that (HR + bicubic-upsampled LR + restored), the SR model 1x.",
            "Joint: FSRCNN (d=56, s=12, m=4) x4 + FaceResNet-18 (width 32, D=128), SGD, L1 + contrastive loss, channels-last.",
        ]);
    }

    private static CaseResult Measure(StopwatchRunner runner, JointTrainingOptions options, Tensor hr, Tensor labels, string name, Action<string> progress)
    {
        var precision = BenchmarkModels.Label(options.Precision);
        progress($"{Name}: {name}, {options.InputSize} px, {precision}");
        using var trainer = new JointTrainer(options);
        long iteration = 0;
        var timing = runner.TimeStep(() => trainer.Step(hr, labels, iteration++));
        return new CaseResult(Name, name, options.InputSize, precision, (int)hr.shape[0], "HR img", timing);
    }
}
