using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace SrFace.Tests.Cli;

/// <summary>
/// The acceptance of issue 12 for the default model: <c>srface export --model dlib-resnet</c> (faces aligned to dlib's
/// chip), then <c>srface verify --runtime onnx</c> on real LFW photos gives the decision and similarity of
/// <c>srface verify</c> (TorchSharp), with the model's calibrated threshold. The export writes the face detectors,
/// landmark net and warp beside the cascade (<c>.faces.onnx</c>), so the ONNX path detects, aligns and embeds in ONNX
/// Runtime with the same preparation flow (<see cref="SrFace.Data.FacePreparer"/>) and no libtorch
/// (<see cref="ExportCommandTests.Aligned_onnx_runtime_path_needs_no_libtorch"/>): the faces found (box, landmarks,
/// size) and the similarities must agree.
/// </summary>
[Collection(TorchCollection.Name)]
public class AlignedOnnxVerifyTests(ITestOutputHelper output)
{
    [Fact]
    public void Exported_dlib_resnet_verifies_aligned_photos_like_the_torchsharp_path()
    {
        var onnx = Path.Combine(TestData.NewTempDir(), "dlib-resnet-p19.onnx");
        var (exportCode, exportOutput) = CliHelpTests.RunProgram("export", "--format", "onnx", "--model", "dlib-resnet", "--probe-size", "19", "--out", onnx);
        Assert.True(exportCode == 0, exportOutput);
        using (var exported = new SrFace.Export.OnnxCascade(onnx, threads: 2))
            Assert.True(exported.AlignsInOnnxRuntime, "the export's faces are not aligned by its ONNX face detector");
        string Photo(string person, int n) => Path.Combine(TestData.LfwImages, person, $"{person}_{n:0000}.jpg");
        var cases = new List<(string Name, string A, string B, string[] Extra)>
        {
            ("one person", Photo("George_W_Bush", 1), Photo("George_W_Bush", 2), []),
            ("two people", Photo("George_W_Bush", 1), Photo("Tony_Blair", 1), []),
            ("one person, B as a 19 px probe", Photo("Colin_Powell", 1), Photo("Colin_Powell", 2), ["--probe-size", "19"]),
            ("two people, B as a 19 px probe", Photo("Colin_Powell", 1), Photo("Tony_Blair", 2), ["--probe-size", "19"]),
        };
        // The first three matched and three mismatched pairs of LFW View 2 (fold 1), as they come.
        var lines = File.ReadLines(Path.Combine(TestData.Lfw, "pairs.txt")).Skip(1).Select(l => l.Split('\t')).ToList();
        cases.AddRange(lines.Where(f => f.Length == 3).Take(3).Select(f => ($"LFW pair {f[0]} {f[1]}/{f[2]}", Photo(f[0], int.Parse(f[1])), Photo(f[0], int.Parse(f[2])), Array.Empty<string>())));
        cases.AddRange(lines.Where(f => f.Length == 4).Take(3).Select(f => ($"LFW pair {f[0]} {f[1]}/{f[2]} {f[3]}", Photo(f[0], int.Parse(f[1])), Photo(f[2], int.Parse(f[3])), Array.Empty<string>())));
        double worst = 0, worstPoint = 0;
        var similarities = new Dictionary<string, double>();
        foreach (var (name, a, b, extra) in cases)
        {
            var torch = Verify(["verify", a, b, "--model", "dlib-resnet", "--json", .. extra]);
            var viaOnnx = Verify(["verify", a, b, "--model", onnx, "--runtime", "onnx", "--json", .. extra]);
            var diff = Math.Abs(torch.Similarity - viaOnnx.Similarity);
            worst = Math.Max(worst, diff);
            similarities[name] = torch.Similarity;
            output.WriteLine($"{name}: TorchSharp {torch.Similarity:F6} ({(torch.Same ? "same" : "different")}), ONNX Runtime {viaOnnx.Similarity:F6} ({(viaOnnx.Same ? "same" : "different")}), threshold {torch.Threshold:F4}, |diff| = {diff:E2}");
            Assert.Equal(torch.Threshold, viaOnnx.Threshold);      // the export carries the model's calibrated threshold
            Assert.Equal(torch.Same, viaOnnx.Same);
            Assert.Equal(torch.Code, viaOnnx.Code);
            Assert.Equal(torch.Faces, viaOnnx.Faces);              // the same faces were found and aligned, with the same size and path
            Assert.Equal(torch.Landmarks.Length, viaOnnx.Landmarks.Length);
            worstPoint = Math.Max(worstPoint, torch.Landmarks.Zip(viaOnnx.Landmarks).DefaultIfEmpty((0, 0)).Max(p => Math.Abs(p.First - p.Second)));
        }
        output.WriteLine($"max |cosine(ONNX Runtime) - cosine(TorchSharp)| over {cases.Count} verifications = {worst:E2}; landmarks (JSON, 0.01 px) within {worstPoint:F2} px");
        Assert.True(worst < 1e-5, $"similarities differ by {worst:E2}");
        Assert.True(worstPoint <= 0.011, $"landmarks differ by {worstPoint} px");
        // The comparison is between informative answers: one person scores above two people at both sizes.
        Assert.True(similarities["one person"] > similarities["two people"]);
        Assert.True(similarities["one person, B as a 19 px probe"] > similarities["two people, B as a 19 px probe"]);
    }

    /// <summary>Runs <c>srface verify --json</c> and reads its answer.</summary>
    private static (int Code, double Similarity, double Threshold, bool Same, string Faces, double[] Landmarks) Verify(string[] args)
    {
        var (code, text) = CliHelpTests.RunProgram(args);
        Assert.True(code is 0 or 1, $"exit {code}: {text}");
        var json = JsonNode.Parse(text.Split('\n').Single(l => l.StartsWith('{')))!;
        var faces = string.Join(" | ", json["images"]!.AsArray().Select(i =>
            $"{i!["box"]!.ToJsonString()} side {i["faceSidePx"]!.GetValue<double>():F2} restored {i["restored"]!.GetValue<bool>()}"));
        Assert.All(json["images"]!.AsArray(), i => Assert.True(i!["faceSidePx"]!.GetValue<double>() > 0, $"no face side in {text}"));
        var landmarks = json["images"]!.AsArray().SelectMany(i => (i!["landmarks"] as JsonArray)?.SelectMany(p => p!.AsArray().Select(v => v!.GetValue<double>())) ?? []).ToArray();
        return (code, json["similarity"]!.GetValue<double>(), json["threshold"]!.GetValue<double>(), json["same"]!.GetValue<bool>(), faces, landmarks);
    }
}
