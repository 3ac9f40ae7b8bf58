using System.Diagnostics;
using System.Text.Json;
using SrFace.Benchmarks.Harness;
using SrFace.Models;
using SrFace.Runtime;
using static TorchSharp.torch;

namespace SrFace.Benchmarks.Suites;

/// <summary>
/// The pretrained recogniser (dlib-resnet, 150 px) in SrFace against the ORIGINAL @vladmandic/face-api network run
/// by Node.js on the same machine in the same run (tools/face-api-reference/bench.mjs: TF.js wasm backend, one
/// thread, since wasm multithreading is off under Node): one chip and a batch of 64, ms/face and faces/s, fp32 and
/// bf16, and SrFace on one thread as the like-for-like row.
/// </summary>
internal static class PretrainedSuite
{
    public const string Name = "pretrained";

    public static SuiteResult Run(StopwatchRunner runner, FaceBatches faces, Action<string> progress)
    {
        var cases = new List<CaseResult>();
        var ratios = new List<RatioResult>();
        using var scope = NewDisposeScope();
        using var model = ModelCatalog.CreatePretrainedRecognizer("dlib-resnet", BenchmarkModels.Store());
        var (chips, _) = faces.Load(model.InputSize);                 // [64, 3, 150, 150]
        var single = chips.narrow(0, 0, 1);
        var ours = new Dictionary<string, (CaseResult One, CaseResult Batch)>();
        foreach (var precision in new[] { ComputePrecision.Float32, ComputePrecision.BFloat16 })
        {
            model.Precision = precision;
            var label = BenchmarkModels.Label(precision);
            progress($"{Name}: SrFace dlib-resnet {label}");
            var one = new CaseResult(Name, "SrFace dlib-resnet, 1 chip", model.InputSize, label, 1, "face", runner.TimeLatency(() => Embed(model, single)));
            var batch = new CaseResult(Name, $"SrFace dlib-resnet, batch {chips.shape[0]}", model.InputSize, label, (int)chips.shape[0], "face", runner.TimeStep(() => Embed(model, chips)));
            cases.AddRange([one, batch]);
            ours[label] = (one, batch);
        }
        model.Precision = ComputePrecision.Float32;
        var threads = get_num_threads();
        set_num_threads(1);
        progress($"{Name}: SrFace dlib-resnet fp32, 1 thread");
        var oneThread = new CaseResult(Name, "SrFace dlib-resnet, 1 chip, 1 thread", model.InputSize, "fp32", 1, "face", runner.TimeLatency(() => Embed(model, single)));
        set_num_threads(threads);
        cases.Add(oneThread);

        progress($"{Name}: original @vladmandic/face-api in Node.js (wasm)");
        var node = RunNode(runner.Profile.LatencyRepetitions < RunProfile.Full.LatencyRepetitions);
        var notes = new List<string>
        {
            "SrFace: eval mode, no-grad, channels-last, LFW faces at 150 px; forward() = raw descriptor + L2 normalisation.",
            "Original: tools/face-api-reference/bench.mjs (computeFaceDescriptor on 150x150 chips, TF.js 4.22 wasm backend, 1 thread, SIMD); its Timing rows hold min / median / max only.",
        };
        if (node is null)
        {
            notes.Add("The Node.js reference did not run (node/npm missing or tools/face-api-reference/setup.sh failed): no ratios.");
            return new SuiteResult(Name, faces.Source, cases, ratios, notes);
        }
        var (nodeOne, nodeBatch) = node.Value;
        cases.AddRange([nodeOne, nodeBatch]);
        foreach (var (label, (one, batch)) in ours)
        {
            ratios.Add(RatioResult.Latency($"original (Node) / SrFace {label} ms per face, 1 chip", nodeOne, one));
            ratios.Add(RatioResult.Latency($"original (Node) / SrFace {label} ms per face, batch 64", nodeBatch, batch));
        }
        ratios.Add(RatioResult.Latency("original (Node, 1 thread) / SrFace fp32 1 thread, ms per face, 1 chip", nodeOne, oneThread));
        return new SuiteResult(Name, faces.Source, cases, ratios, notes);
    }

    private static void Embed(nn.Module<Tensor, Tensor> model, Tensor faces)
    {
        using var _ = no_grad();
        model.forward(faces).Dispose();
    }

    /// <summary>Runs the Node benchmark (installing its pinned packages first) and reads its JSON; null when it cannot run.</summary>
    internal static (CaseResult One, CaseResult Batch)? RunNode(bool quick)
    {
        var tool = Path.Combine(FindRepoRoot(), "tools", "face-api-reference");
        if (Run("bash", $"\"{Path.Combine(tool, "setup.sh")}\"") is null) return null;
        var runs = quick ? "--runs 10 --batch-runs 1" : "--runs 30 --batch-runs 3";
        var json = Run("node", $"\"{Path.Combine(tool, "bench.mjs")}\" --json --no-detector --batch 64 {runs}");
        if (json is null) return null;
        using var doc = JsonDocument.Parse(json);
        CaseResult Case(string key, string name, int items)
        {
            var e = doc.RootElement.GetProperty(key);
            var seconds = new[] { "min_ms", "median_ms", "max_ms" }.Select(k => e.GetProperty(k).GetDouble() / 1000).ToList();
            return new CaseResult(Name, name, 150, "fp32", items, "face", new Timing(seconds));
        }
        return (Case("face_recognition_single", "original face-api (Node wasm), 1 chip", 1),
                Case("face_recognition_batch", "original face-api (Node wasm), batch 64", 64));
    }

    private static string? Run(string file, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode == 0) return output.Result;
            Console.Error.WriteLine($"{file} {arguments}: exit {process.ExitCode}: {errors.Result.Trim()}");
            return null;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.Error.WriteLine($"{file}: {e.Message}");
            return null;
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SrFace.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("No SrFace.slnx above the benchmark binary.");
    }
}
