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

    /// <summary>
    /// The rows bench/pytorch/compare.sh sets beside PyTorch: the roofline convolution (fp32, bf16), the from-scratch
    /// joint step at 64 and 112 px and the pretrained fine-tuning step (<see cref="FineTuning.Defaults"/>: dlib-resnet
    /// 150 px + vdsr, P x K = 8 x 2), fp32 and bf16.
    /// </summary>
    /// <param name="runner">Repetition counts.</param>
    /// <param name="faces">The benchmark's face batches.</param>
    /// <param name="progress">Progress lines.</param>
    /// <param name="models">"scratch" and/or "pretrained" (null: both).</param>
    /// <param name="breakdown">Also print each row's per-part timing (<see cref="StepBreakdown"/>); the row's figure is then the whole step of those runs.</param>
    public static SuiteResult RunJoint(StopwatchRunner runner, FaceBatches faces, Action<string> progress, IReadOnlyList<string>? models = null, bool breakdown = false)
    {
        var scratch = models?.Contains("scratch") ?? true;
        var pretrained = models?.Contains("pretrained") ?? true;
        var cases = new List<CaseResult>();
        var notes = new List<string>
        {
            $"From scratch: P x K = {BenchmarkModels.Identities} x {BenchmarkModels.PerIdentity} = {faces.Count} HR images per step; images/s counts HR input images.",
        };
        progress($"{JointName}: roofline convolution");
        cases.AddRange(new[] { float32, bfloat16 }.Select(t => Roofline.ConvolutionThroughput(JointName, t)));
        foreach (var size in scratch ? new[] { 64, 112 } : [])
        {
            using var scope = NewDisposeScope();
            var (hr, labels) = faces.Load(size);
            foreach (var precision in new[] { ComputePrecision.Float32, ComputePrecision.BFloat16 })
                cases.Add(Measure(runner, BenchmarkModels.Joint(size, precision), hr, labels, "joint FSRCNN x4 + FaceResNet-18 w32 step", progress, breakdown: breakdown) with { Suite = JointName });
        }
        if (pretrained)
        try
        {
            using var scope = NewDisposeScope();
            var store = BenchmarkModels.Store();
            var options = BenchmarkModels.FineTune(ComputePrecision.Float32);
            var (hr, labels) = BenchmarkModels.FineTuneBatch(faces, options);
            foreach (var precision in new[] { ComputePrecision.Float32, ComputePrecision.BFloat16 })
                cases.Add(Measure(runner, options with { Precision = precision }, hr, labels, FineTuneCase, progress, store, breakdown) with { Suite = JointName });
            notes.Add($"Pretrained: srface demo's fine-tuning step (FineTuning.Defaults: dlib-resnet {options.InputSize} px, stem + stage 1 frozen, + vdsr, multi-scale x2..x16, P x K = {options.IdentitiesPerBatch} x {options.ImagesPerIdentity}, Adam, l_con + l_rec + 10 l_kd).");
        }
        catch (SrFace.Models.Pretrained.ModelStoreException e)
        {
            notes.Add($"Pretrained rows not run: {e.Message}");
        }
        return new SuiteResult(JointName, faces.Source, cases, [], notes);
    }

    /// <summary>Case name of the pretrained fine-tuning step.</summary>
    public const string FineTuneCase = "fine-tuning dlib-resnet + vdsr step";

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

    private static CaseResult Measure(StopwatchRunner runner, JointTrainingOptions options, Tensor hr, Tensor labels, string name, Action<string> progress,
        SrFace.Models.Pretrained.ModelStore? store = null, bool breakdown = false)
    {
        var precision = BenchmarkModels.Label(options.Precision);
        progress($"{Name}: {name}, {options.InputSize} px, {precision}");
        using var trainer = new JointTrainer(options, store);
        long iteration = 0;
        void Step() => trainer.Step(hr, labels, iteration++);
        if (!breakdown) return new CaseResult(Name, name, options.InputSize, precision, (int)hr.shape[0], "HR img", runner.TimeStep(Step));
        var parts = StepBreakdown.Measure(runner.Profile, trainer, Step);
        StepBreakdown.Write($"{name}, {options.InputSize} px, {precision}", parts);
        return new CaseResult(Name, name, options.InputSize, precision, (int)hr.shape[0], "HR img", parts.Single(p => p.Part == "step").Timing, parts);
    }
}
