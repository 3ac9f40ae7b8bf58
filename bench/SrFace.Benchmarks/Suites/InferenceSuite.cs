using SrFace.Benchmarks.Harness;
using SrFace.Cascade;
using SrFace.Data;
using SrFace.Runtime;
using SrFace.Training;
using static TorchSharp.torch;

namespace SrFace.Benchmarks.Suites;

/// <summary>
/// Latency and throughput of <see cref="FaceRecognitionCascade"/> on low-resolution probes (S/4 px):
/// <see cref="FaceRecognitionCascade.EmbedLowResolution"/> (bicubic probe pass + FSRCNN restore + restored pass,
/// mean fusion) against <see cref="FaceRecognitionCascade.EmbedRecognizerOnly"/> (bicubic upsampling + one pass), for
/// one face and for a batch of 64. The cascade comes from an untrained trainer: weights do not change the speed.
/// </summary>
internal static class InferenceSuite
{
    public const string Name = "inference";

    public static SuiteResult Run(StopwatchRunner runner, FaceBatches faces, Action<string> progress)
    {
        var cases = new List<CaseResult>();
        var ratios = new List<RatioResult>();
        foreach (var size in new[] { 64, 112 })
        {
            using var scope = NewDisposeScope();
            using var trainer = new JointTrainer(BenchmarkModels.Joint(size, ComputePrecision.Float32));
            using var cascade = FaceRecognitionCascade.FromTrainer(trainer, FacePreprocessing.Lfw(size));
            var (hr, _) = faces.Load(size);
            var batch = trainer.Downsample(hr, 0);   // [64, 3, S/4, S/4], the probes
            var single = batch.narrow(0, 0, 1);       // [1, 3, S/4, S/4]
            var bf16Batched = new Dictionary<string, CaseResult>();
            foreach (var precision in new[] { ComputePrecision.Float32, ComputePrecision.BFloat16 })
            {
                cascade.Precision = precision;
                var label = BenchmarkModels.Label(precision);
                progress($"{Name}: {size} px, {label}");
                var cascadeOne = Latency(runner, "cascade, 1 face", size, label, () => cascade.EmbedLowResolution(single));
                var recognizerOne = Latency(runner, "recogniser only, 1 face", size, label, () => cascade.EmbedRecognizerOnly(single));
                var cascadeBatch = Batched(runner, "cascade, batch", size, label, batch, () => cascade.EmbedLowResolution(batch));
                var recognizerBatch = Batched(runner, "recogniser only, batch", size, label, batch, () => cascade.EmbedRecognizerOnly(batch));
                cases.AddRange([cascadeOne, recognizerOne, cascadeBatch, recognizerBatch]);
                ratios.Add(RatioResult.Latency($"cascade / recogniser-only ms per face, 1 face, {size} px {label}", cascadeOne, recognizerOne));
                ratios.Add(RatioResult.Latency($"cascade / recogniser-only ms per face, batch {batch.shape[0]}, {size} px {label}", cascadeBatch, recognizerBatch));
                bf16Batched[label] = cascadeBatch;
            }
            ratios.Add(RatioResult.Throughput($"bf16 / fp32 faces/s, cascade batch {batch.shape[0]}, {size} px", bf16Batched["bf16"], bf16Batched["fp32"]));
        }
        return new SuiteResult(Name, faces.Source, cases, ratios,
        [
            "Probes are the faces degraded to S/4 px (bicubic x4 down, the trainer's degradation); both paths take the same probes.",
            "cascade = EmbedLowResolution (FSRCNN restore + 2 recogniser passes); recogniser only = EmbedRecognizerOnly (1 pass).",
            "Cascade = FSRCNN (d=56, s=12, m=4) x4 + FaceResNet-18 (width 32, D=128), mean fusion, eval mode, no-grad.",
        ]);
    }

    private static CaseResult Latency(StopwatchRunner runner, string name, int size, string precision, Action step) =>
        new(Name, name, size, precision, 1, "face", runner.TimeLatency(step));

    private static CaseResult Batched(StopwatchRunner runner, string name, int size, string precision, Tensor batch, Action step) =>
        new(Name, $"{name} {batch.shape[0]}", size, precision, (int)batch.shape[0], "face", runner.TimeStep(step));
}
