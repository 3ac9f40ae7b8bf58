using SrFace.Benchmarks.Harness;
using SrFace.Degradation;
using SrFace.Losses;
using SrFace.Models;
using SrFace.Runtime;
using SrFace.Training;
using static TorchSharp.torch;

namespace SrFace.Benchmarks.Suites;

/// <summary>
/// fp32 against bf16 compute (<see cref="ComputePrecision"/>) for the same training step, on the two building blocks
/// separately: the wide recogniser (FaceResNet-18 width 64, 112 px, batch 32, HR-only contrastive step) and FSRCNN
/// alone (x4, 16 -> 64 px, batch 64, L1 loss, SGD).
/// </summary>
internal static class PrecisionSuite
{
    public const string Name = "precision";

    /// <summary>FSRCNN steps are ~20x shorter than recogniser steps, so they get this many times more repetitions.</summary>
    private const int FsrcnnRepetitionFactor = 4;

    public static SuiteResult Run(StopwatchRunner runner, FaceBatches faces, Action<string> progress)
    {
        var cases = new List<CaseResult>();
        var ratios = new List<RatioResult>();
        using (NewDisposeScope())
        {
            // 8 identities x 4 images = batch 32: the first half of the fixed P x K batch.
            var (hr, labels) = faces.Load(112);
            var hr32 = hr.narrow(0, 0, 32);
            var labels32 = labels.narrow(0, 0, 32);
            var pair = new List<CaseResult>();
            foreach (var precision in new[] { ComputePrecision.Float32, ComputePrecision.BFloat16 })
            {
                var label = BenchmarkModels.Label(precision);
                progress($"{Name}: FaceResNet-18 w64 112 px, {label}");
                using var trainer = new JointTrainer(BenchmarkModels.RecognizerOnly(112, precision, width: 64, identities: 8));
                long iteration = 0;
                var timing = runner.TimeStep(() => trainer.Step(hr32, labels32, iteration++));
                pair.Add(new CaseResult(Name, "FaceResNet-18 w64 training step", 112, label, 32, "img", timing));
            }
            cases.AddRange(pair);
            ratios.Add(RatioResult.Throughput("bf16 / fp32 images/s, FaceResNet-18 w64 112 px", pair[1], pair[0]));
        }
        using (NewDisposeScope())
        {
            var (hr, _) = faces.Load(64);
            var lr = new FaceDegradation(new DegradationOptions(Scale: 4)).Degrade(hr, 1); // [64, 3, 16, 16]
            var pair = new List<CaseResult>();
            foreach (var precision in new[] { ComputePrecision.Float32, ComputePrecision.BFloat16 })
            {
                var label = BenchmarkModels.Label(precision);
                progress($"{Name}: FSRCNN x4 16->64, {label}");
                pair.Add(new CaseResult(Name, "FSRCNN x4 16->64 training step", 64, label, (int)hr.shape[0], "img",
                    TimeFsrcnn(runner, precision, lr, hr)));
            }
            cases.AddRange(pair);
            ratios.Add(RatioResult.Throughput("bf16 / fp32 images/s, FSRCNN x4 16->64", pair[1], pair[0]));
        }
        return new SuiteResult(Name, faces.Source, cases, ratios,
        [
            "FaceResNet-18 (width 64, D=128): HR-only contrastive step, SGD, batch 8 x 4 = 32 at 112 px.",
            $"FSRCNN (d=56, s=12, m=4) x4: L1 loss + SGD step, batch 64, 16 -> 64 px, {FsrcnnRepetitionFactor}x the repetitions.",
            "bf16 = bfloat16 compute in convolutions and linear layers, float32 master weights; channels-last always.",
        ]);
    }

    private static Timing TimeFsrcnn(StopwatchRunner runner, ComputePrecision precision, Tensor lr, Tensor hr)
    {
        using var model = ModelCatalog.CreateSuperResolution("fsrcnn", new SrModelConfig(Scale: 4, Channels: 3, Width: 56, Blocks: 4));
        model.Precision = precision;
        model.train();
        using var loss = ReconstructionLoss.Create(ReconstructionLossKind.L1);
        var optimizer = optim.SGD(model.parameters(), 0.02, momentum: 0.9); // the trainer's SR optimiser settings
        var profile = runner.Profile;
        return StopwatchRunner.Time(() =>
        {
            optimizer.zero_grad();
            var l = loss.forward(model.forward(lr), hr);
            l.backward();
            optimizer.step();
            _ = l.item<float>();
        }, profile.StepWarmup * FsrcnnRepetitionFactor, profile.StepRepetitions * FsrcnnRepetitionFactor);
    }
}
