using SrFace.Benchmarks.Harness;
using SrFace.Data;
using SrFace.Imaging;
using static TorchSharp.torch;

namespace SrFace.Benchmarks.Suites;

/// <summary>
/// Reading one training batch (64 LFW JPEGs: decode, centred crop, antialiased bicubic resize to 64 px, uncached):
/// through TorchSharp (FaceImageReader + FaceCropper, how FaceImageLoader read before it went managed, one image at a
/// time) against the managed path FaceImageLoader uses now (ManagedFacePreprocessing, 1 and 2 threads). TrainingRun
/// reads the next batch on a worker thread while the current one trains, so the training thread waits only for what
/// is left of it.
/// </summary>
internal static class LoadingSuite
{
    public const string Name = "loading";

    public static SuiteResult Run(StopwatchRunner runner, FaceBatches faces, Action<string> progress)
    {
        var files = faces.Files;
        if (files.Count == 0)
            return new SuiteResult(Name, faces.Source, [], [], ["No LFW images: nothing to load."]);
        var preprocessing = FacePreprocessing.Lfw(64);
        var reader = new FaceImageReader();
        progress($"{Name}: TorchSharp path");
        var torchPath = Case("batch read via TorchSharp (reader + FaceCropper), 1 thread", files.Count,
            runner.TimeStep(() =>
            {
                foreach (var file in files) FaceCropper.CropAndResize(reader.Read(file), preprocessing, file).contiguous().data<float>().ToArray();
            }));
        var cases = new List<CaseResult> { torchPath };
        foreach (var threads in new[] { 1, 2 })
        {
            progress($"{Name}: managed path, {threads} thread(s)");
            var loader = new FaceImageLoader(new FaceDataset("bench", files.Select((f, i) => (f, "p" + i))), preprocessing, maxDegreeOfParallelism: threads);
            var indices = Enumerable.Range(0, files.Count).ToArray();
            cases.Add(Case($"batch read managed (FaceImageLoader.ReadBatch), {threads} thread(s)", files.Count, runner.TimeStep(() => loader.ReadBatch(indices))));
        }
        return new SuiteResult(Name, faces.Source, cases,
            [RatioResult.Throughput("managed 1 thread / TorchSharp images/s", cases[1], torchPath), RatioResult.Throughput("managed 2 threads / TorchSharp images/s", cases[2], torchPath)],
            ["Uncached: every timed run decodes all 64 JPEGs again (TrainingDataSetup caches crops after the first epoch)."]);
    }

    private static CaseResult Case(string name, int count, Timing timing) => new(Name, name, 64, "fp32", count, "img", timing);
}
