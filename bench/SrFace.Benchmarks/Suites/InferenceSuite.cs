using SrFace.Benchmarks.Harness;
using SrFace.Cascade;
using SrFace.Data;
using SrFace.Export;
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
        var notes = new List<string>();
        progress($"{Name}: convolution throughput (roofline)");
        var atStart = MeasureCeilings(cases, "");
        var rooflines = new List<RooflineRow>();
        foreach (var size in new[] { 64, 112 })
        {
            using var scope = NewDisposeScope();
            using var trainer = new JointTrainer(BenchmarkModels.Joint(size, ComputePrecision.Float32));
            using var cascade = trainer.ToCascade(FacePreprocessing.Lfw(size));
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

            // The same cascade exported to ONNX (opset 18) and run by ONNX Runtime (fp32, intra-op threads = cores).
            cascade.Precision = ComputePrecision.Float32;
            var probeSide = (int)batch.shape[2];
            var onnxPath = Path.Combine(Path.GetTempPath(), $"srface-bench-{Environment.ProcessId}-{size}.onnx");
            var model = CascadeOnnxExporter.Build(cascade, probeSide);
            File.WriteAllBytes(onnxPath, Google.Protobuf.MessageExtensions.ToByteArray(model));
            try
            {
                using var onnx = new OnnxCascade(onnxPath);
                var batchPixels = batch.contiguous().data<float>().ToArray();
                var singlePixels = single.contiguous().data<float>().ToArray();
                var n = (int)batch.shape[0];
                progress($"{Name}: {size} px, ONNX Runtime");
                var onnxOne = Latency(runner, "cascade, 1 face, ONNX Runtime", size, "fp32", () => onnx.Embed(singlePixels, 1, probeSide));
                var onnxBatch = Batched(runner, "cascade, batch", size, "fp32", batch, () => onnx.Embed(batchPixels, n, probeSide)) with { Case = $"cascade, batch {n}, ONNX Runtime" };
                cases.AddRange([onnxOne, onnxBatch]);
                var torchOne = cases.First(c => c.Size == size && c.Precision == "fp32" && c.Case == "cascade, 1 face");
                var torchBatch = cases.First(c => c.Size == size && c.Precision == "fp32" && c.Case == $"cascade, batch {n}");
                ratios.Add(RatioResult.Throughput($"ONNX Runtime / TorchSharp faces/s, cascade 1 face, {size} px fp32", onnxOne, torchOne));
                ratios.Add(RatioResult.Throughput($"ONNX Runtime / TorchSharp faces/s, cascade batch {n}, {size} px fp32", onnxBatch, torchBatch));

                var macs = Roofline.MultiplyAddsPerItem(model, CascadeOnnxExporter.ProbeInput, CascadeOnnxExporter.ProbeOutput, [3, probeSide, probeSide]);
                rooflines.Add(new($"{size} px", $"FSRCNN on {probeSide} px + recogniser on 2 faces", macs, n,
                    torchBatch.ItemsPerSecond, bf16Batched["bf16"].ItemsPerSecond, onnxBatch.ItemsPerSecond));
            }
            finally
            {
                File.Delete(onnxPath);
            }
        }
        Pretrained(runner, faces, cases, ratios, notes, rooflines, progress);
        progress($"{Name}: convolution throughput again (roofline)");
        var atEnd = MeasureCeilings(cases, ", at the end");
        notes.AddRange(RooflineNotes(atStart, atEnd, rooflines));
        return new SuiteResult(Name, faces.Source, cases, ratios,
        [
            .. notes,
            "ONNX Runtime rows: the same cascade from `CascadeOnnxExporter` (opset 18, fp32), the probe path only, fed float arrays.",
            "Probes are the faces degraded to S/4 px (bicubic x4 down, the trainer's degradation); both paths take the same probes.",
            "cascade = EmbedLowResolution (FSRCNN restore + 2 recogniser passes); recogniser only = EmbedRecognizerOnly (1 pass).",
            "Cascade = FSRCNN (d=56, s=12, m=4) x4 + FaceResNet-18 (width 32, D=128), mean fusion, eval mode, no-grad.",
        ]);
    }

    /// <summary>Case-name prefix of the pretrained cascade rows.</summary>
    public const string PretrainedCascade = "pretrained cascade (dlib-resnet + vdsr)";

    /// <summary>
    /// The pretrained cascade of <c>srface demo</c> (dlib-resnet 150 px + vdsr, <see cref="BenchmarkModels.FineTune"/>'s
    /// set-up, weights as loaded: the fine-tuned weights run at the same speed) on probes of S/8 px (19 px, the demo's
    /// nominal x8): TorchSharp fp32 and bf16, ONNX Runtime fp32 when <see cref="CascadeOnnxExporter"/> exports both models
    /// ("not exportable" with its reason otherwise), and the original face-api recogniser in Node.js (one pass of the
    /// same network on a 150 px chip: the package has no SR stage), 1 face and batch 64; with the roofline of the graph.
    /// </summary>
    private static void Pretrained(StopwatchRunner runner, FaceBatches faces,
        List<CaseResult> cases, List<RatioResult> ratios, List<string> notes, List<RooflineRow> rooflines, Action<string> progress)
    {
        using var scope = NewDisposeScope();
        var options = BenchmarkModels.FineTune(ComputePrecision.Float32);
        FaceRecognitionCascade built;
        try
        {
            using var trainer = new JointTrainer(options, BenchmarkModels.Store());
            built = trainer.ToCascade(FineTuning.Preprocessing(options.Recognizer));
        }
        catch (SrFace.Models.Pretrained.ModelStoreException e)
        {
            notes.Add($"Pretrained cascade rows not run: {e.Message}");
            return;
        }
        using var cascade = built;
        var size = options.InputSize;
        var probeSide = JointTrainer.ProbeSide(size, options.Degradation.Scale);
        var (hr, _) = faces.Load(size);
        var batch = SrFace.Degradation.FaceDegradation.Resize(hr, probeSide, probeSide); // [64, 3, 19, 19], the probes
        var single = batch.narrow(0, 0, 1);
        var n = (int)batch.shape[0];
        var sharp = new Dictionary<string, (CaseResult One, CaseResult Batch)>();
        foreach (var precision in new[] { ComputePrecision.Float32, ComputePrecision.BFloat16 })
        {
            cascade.Precision = precision;
            var label = BenchmarkModels.Label(precision);
            progress($"{Name}: {PretrainedCascade}, {label}");
            var one = Latency(runner, $"{PretrainedCascade}, 1 face", size, label, () => cascade.EmbedLowResolution(single));
            var many = Batched(runner, $"{PretrainedCascade}, batch", size, label, batch, () => cascade.EmbedLowResolution(batch));
            cases.AddRange([one, many]);
            sharp[label] = (one, many);
        }
        cascade.Precision = ComputePrecision.Float32;

        CaseResult? onnxBatch = null;
        double? macs = null;
        Onnx.ModelProto? model = null;
        try
        {
            model = CascadeOnnxExporter.Build(cascade, probeSide);
        }
        catch (NotSupportedException e)
        {
            notes.Add($"Pretrained cascade, ONNX Runtime: not exportable ({e.Message})");
        }
        if (model is not null)
        {
            var onnxPath = Path.Combine(Path.GetTempPath(), $"srface-bench-{Environment.ProcessId}-pretrained.onnx");
            File.WriteAllBytes(onnxPath, Google.Protobuf.MessageExtensions.ToByteArray(model));
            try
            {
                using var onnx = new OnnxCascade(onnxPath);
                var batchPixels = batch.contiguous().data<float>().ToArray();
                var singlePixels = single.contiguous().data<float>().ToArray();
                progress($"{Name}: {PretrainedCascade}, ONNX Runtime");
                var onnxOne = Latency(runner, $"{PretrainedCascade}, 1 face, ONNX Runtime", size, "fp32", () => onnx.Embed(singlePixels, 1, probeSide));
                onnxBatch = Batched(runner, $"{PretrainedCascade}, batch", size, "fp32", batch, () => onnx.Embed(batchPixels, n, probeSide)) with { Case = $"{PretrainedCascade}, batch {n}, ONNX Runtime" };
                cases.AddRange([onnxOne, onnxBatch]);
                ratios.Add(RatioResult.Throughput($"ONNX Runtime / TorchSharp faces/s, {PretrainedCascade}, 1 face, fp32", onnxOne, sharp["fp32"].One));
                ratios.Add(RatioResult.Throughput($"ONNX Runtime / TorchSharp faces/s, {PretrainedCascade}, batch {n}, fp32", onnxBatch, sharp["fp32"].Batch));
                macs = Roofline.MultiplyAddsPerItem(model, CascadeOnnxExporter.ProbeInput, CascadeOnnxExporter.ProbeOutput, [3, probeSide, probeSide]);
            }
            finally
            {
                File.Delete(onnxPath);
            }
        }

        progress($"{Name}: original @vladmandic/face-api recogniser in Node.js (wasm)");
        if (PretrainedSuite.RunNode(runner.Profile.LatencyRepetitions < RunProfile.Full.LatencyRepetitions) is var (nodeOne, nodeBatch))
        {
            cases.AddRange([nodeOne with { Suite = Name }, nodeBatch with { Suite = Name }]);
            foreach (var (label, (one, many)) in sharp)
            {
                ratios.Add(RatioResult.Latency($"original face-api recogniser (Node) / SrFace {PretrainedCascade} {label} ms per face, 1 face", nodeOne, one));
                ratios.Add(RatioResult.Latency($"original face-api recogniser (Node) / SrFace {PretrainedCascade} {label} ms per face, batch {n}", nodeBatch, many));
            }
        }
        else
        {
            notes.Add("The Node.js reference did not run (node/npm missing or tools/face-api-reference/setup.sh failed): no Node rows.");
        }

        if (macs is { } m)
        {
            rooflines.Add(new($"{PretrainedCascade}, {probeSide} px probe", $"vdsr at {size} px + dlib-resnet on 2 faces", m, n,
                sharp["fp32"].Batch.ItemsPerSecond, sharp["bf16"].Batch.ItemsPerSecond, onnxBatch!.ItemsPerSecond));
        }
        else
        {
            notes.Add($"Roofline {PretrainedCascade}: not counted (the multiply-adds are read from the ONNX export, which this build cannot make).");
        }
    }

    private static CaseResult Latency(StopwatchRunner runner, string name, int size, string precision, Action step) =>
        new(Name, name, size, precision, 1, "face", runner.TimeLatency(step));

    private static CaseResult Batched(StopwatchRunner runner, string name, int size, string precision, Tensor batch, Action step) =>
        new(Name, $"{name} {batch.shape[0]}", size, precision, (int)batch.shape[0], "face", runner.TimeStep(step));

    /// <summary>The convolution throughputs that make the ceilings, GMAC/s in multiply-adds per second.</summary>
    private sealed record Ceilings(double Fp32, double Bf16, double Onnx);

    /// <summary>A cascade's batched throughputs and multiply-adds per face, to be set against the ceilings at the end.</summary>
    private sealed record RooflineRow(string Cascade, string Work, double MacsPerFace, int Batch, double TorchFp32, double TorchBf16, double OnnxFp32);

    /// <summary>Times the roofline convolution in TorchSharp fp32 and bf16 and in ONNX Runtime, adding the cases (named with <paramref name="suffix"/>).</summary>
    private static Ceilings MeasureCeilings(List<CaseResult> cases, string suffix)
    {
        var measured = new[] { Roofline.ConvolutionThroughput(Name, float32), Roofline.ConvolutionThroughput(Name, bfloat16), Roofline.OnnxConvolutionThroughput(Name) }
            .Select(c => c with { Case = c.Case + suffix }).ToArray();
        cases.AddRange(measured);
        return new(Roofline.MacsPerSecond(measured[0]), Roofline.MacsPerSecond(measured[1]), Roofline.MacsPerSecond(measured[2]));
    }

    /// <summary>
    /// The roofline notes: the ceiling is the faster of the convolution's measurements at the start and at the end of
    /// the suite (a ceiling measured while the machine was briefly slow would put cascades above 100 %: a run on
    /// 2026-12-06 measured 70.9 GMAC/s fp32 at its start against 110-115 in the runs around it).
    /// </summary>
    private static IEnumerable<string> RooflineNotes(Ceilings atStart, Ceilings atEnd, List<RooflineRow> rows)
    {
        var (fp32, bf16, onnx) = (Math.Max(atStart.Fp32, atEnd.Fp32), Math.Max(atStart.Bf16, atEnd.Bf16), Math.Max(atStart.Onnx, atEnd.Onnx));
        yield return $"Roofline: a 3x3 64->64 convolution (batch 32, 56x56, channels-last) runs at {fp32 / 1e9:F1} GMAC/s fp32 and {bf16 / 1e9:F1} GMAC/s bf16 on these cores " +
            $"(TorchSharp/oneDNN, fastest of {Roofline.ConvolutionRepetitions} calls, the faster of the measurements at the start and at the end of this suite: fp32 {atStart.Fp32 / 1e9:F1} and {atEnd.Fp32 / 1e9:F1}, bf16 {atStart.Bf16 / 1e9:F1} and {atEnd.Bf16 / 1e9:F1}); " +
            $"in ONNX Runtime (fp32, MLAS) the same convolution runs at {onnx / 1e9:F1} GMAC/s = {100 * onnx / fp32:F0} % of oneDNN's.";
        foreach (var r in rows)
        {
            yield return $"Roofline {r.Cascade}: {r.MacsPerFace / 1e6:F1} M multiply-adds per face ({r.Work}) -> at most {fp32 / r.MacsPerFace:F0} faces/s fp32, {bf16 / r.MacsPerFace:F0} bf16; " +
                $"batch {r.Batch}: TorchSharp fp32 {r.TorchFp32:F1} faces/s = {100 * r.TorchFp32 * r.MacsPerFace / fp32:F0} %, bf16 {r.TorchBf16:F1} = {100 * r.TorchBf16 * r.MacsPerFace / bf16:F0} % (of the bf16 ceiling), " +
                $"ONNX Runtime fp32 {r.OnnxFp32:F1} = {100 * r.OnnxFp32 * r.MacsPerFace / fp32:F0} % ({100 * r.OnnxFp32 * r.MacsPerFace / onnx:F0} % of ONNX Runtime's own convolution).";
        }
    }
}
