using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace SrFace.Tests.Cli;

/// <summary>
/// <c>srface identify --runtime onnx</c> on an export of the default model (dlib-resnet, faces aligned) gives the
/// rank-1 identities and scores of <c>--runtime torch</c> on LFW photos of a few people; a gallery enrolled with one
/// runtime is searched with the other (the export carries its cascade's model id), and a gallery of another model is
/// refused under either runtime.
/// </summary>
[Collection(TorchCollection.Name)]
public class OnnxIdentifyTests(ITestOutputHelper output)
{
    /// <summary>Largest |score(ONNX Runtime) - score(TorchSharp)| accepted: both float32 on the same aligned faces
    /// (the verify test measured about 1e-7).</summary>
    private const double ScoreTolerance = 1e-5;

    private static readonly string[] People = ["Colin_Powell", "George_W_Bush", "Tony_Blair", "Donald_Rumsfeld"];

    [Fact]
    public void Identify_with_an_onnx_export_ranks_like_torchsharp_on_lfw_people()
    {
        var dir = TestData.NewTempDir();
        var onnx = Path.Combine(dir, "dlib-resnet-p19.onnx");
        var (exportCode, exportOutput) = CliHelpTests.RunProgram("export", "--format", "onnx", "--model", "dlib-resnet", "--probe-size", "19", "--out", onnx);
        Assert.True(exportCode == 0, exportOutput);
        // Two enrolled images per person (symbolic links to LFW, nothing copied), probes from images 3 and 4.
        var folders = Path.Combine(dir, "people");
        foreach (var person in People)
        {
            Directory.CreateDirectory(Path.Combine(folders, person));
            foreach (var n in new[] { 1, 2 }) File.CreateSymbolicLink(Path.Combine(folders, person, $"{person}_{n:0000}.jpg"), FacePhotos.Lfw(person, n));
        }
        var probes = People.SelectMany(p => new[] { FacePhotos.Lfw(p, 3), FacePhotos.Lfw(p, 4) }).ToArray();
        var torchGallery = Path.Combine(dir, "torch.db");
        var onnxGallery = Path.Combine(dir, "onnx.db");
        Run(["enroll", folders, "-g", torchGallery]);
        Run(["enroll", folders, "-g", onnxGallery, "--model", onnx, "--runtime", "onnx"]);

        var torch = Identify(["identify", .. probes, "-g", torchGallery, "--json"]);
        var viaOnnx = Identify(["identify", .. probes, "-g", torchGallery, "--model", onnx, "--runtime", "onnx", "--json"]);
        var onnxEnrolled = Identify(["identify", .. probes, "-g", onnxGallery, "--json"]);  // enrolled by ONNX, searched by TorchSharp
        var low = Identify(["identify", .. probes, "-g", torchGallery, "--probe-size", "19", "--json"]);
        var lowOnnx = Identify(["identify", .. probes, "-g", torchGallery, "--model", onnx, "--runtime", "onnx", "--probe-size", "19", "--json"]);
        double worst = 0;
        for (var i = 0; i < probes.Length; i++)
            foreach (var (name, expected, got) in new[] { ("sharp", torch, viaOnnx), ("ONNX-enrolled gallery", torch, onnxEnrolled), ("19 px", low, lowOnnx) })
            {
                Assert.Equal(expected.Probes[i].Identity, got.Probes[i].Identity);
                Assert.Equal(expected.Probes[i].Candidates.Select(c => c.Identity), got.Probes[i].Candidates.Select(c => c.Identity));
                foreach (var (e, g) in expected.Probes[i].Candidates.Zip(got.Probes[i].Candidates))
                    worst = Math.Max(worst, Math.Abs(e.Score - g.Score));
                output.WriteLine($"{name}: {Path.GetFileName(probes[i])} -> TorchSharp {expected.Probes[i].Candidates[0].Identity} {expected.Probes[i].Candidates[0].Score:F6}, " +
                    $"ONNX Runtime {got.Probes[i].Candidates[0].Identity} {got.Probes[i].Candidates[0].Score:F6}");
            }
        output.WriteLine($"max |score(ONNX Runtime) - score(TorchSharp)| over {probes.Length} probes x 3 cases x {People.Length} candidates = {worst:E2}");
        Assert.True(worst < ScoreTolerance, $"scores differ by {worst:E2}");
        Assert.Equal((torch.Threshold, torch.Source), (viaOnnx.Threshold, viaOnnx.Source));
        // An informative comparison: the sharp photos are recognised (rank 1 is the probe's own person for most of them).
        Assert.True(probes.Where((p, i) => torch.Probes[i].Candidates[0].Identity == Path.GetFileName(Path.GetDirectoryName(p))).Count() >= probes.Length - 1);

        // A gallery of another model is refused under either runtime (exit 2), never searched.
        var other = Path.Combine(dir, "other.db");
        SrFace.Recognition.FaceGallery.Create(other, "another-model", 128).Dispose();
        Assert.Equal(2, CliHelpTests.RunProgram(["identify", probes[0], "-g", other, "--model", onnx, "--runtime", "onnx"]).Code);
        Assert.Equal(2, CliHelpTests.RunProgram(["identify", probes[0], "-g", other]).Code);
    }

    private static void Run(string[] args)
    {
        var (code, text) = CliHelpTests.RunProgram(args);
        Assert.True(code == 0, $"{string.Join(' ', args)}: exit {code}: {text}");
    }

    private sealed record Ranked(string? Identity, (string Identity, double Score)[] Candidates);

    private static (double? Threshold, string Source, Ranked[] Probes) Identify(string[] args)
    {
        var (code, text) = CliHelpTests.RunProgram(args);
        Assert.True(code == 0, $"exit {code}: {text}");
        var json = JsonNode.Parse(text.Split('\n').Single(l => l.StartsWith('{')))!;
        var probes = json["probes"]!.AsArray().Select(p =>
        {
            var face = p!["faces"]![0]!;
            return new Ranked((string?)face["identity"], face["candidates"]!.AsArray().Select(c => ((string)c!["identity"]!, (double)c["score"]!)).ToArray());
        }).ToArray();
        return ((double?)json["threshold"], (string)json["thresholdSource"]!, probes);
    }
}
