using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace SrFace.Tests.Cli;

/// <summary>
/// The acceptance of issue 12 for the default model: <c>srface export --model dlib-resnet</c> (faces aligned to dlib's
/// chip), then <c>srface verify --runtime onnx</c> on real LFW photos gives the decision and similarity of
/// <c>srface verify</c> (TorchSharp), with the model's calibrated threshold. Both runtimes prepare the faces with the
/// same detector, landmarks and warp (TorchSharp), so only the cascade differs between them.
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
        string Photo(string person, int n) => Path.Combine(TestData.LfwImages, person, $"{person}_{n:0000}.jpg");
        var cases = new (string Name, string A, string B, string[] Extra)[]
        {
            ("one person", Photo("George_W_Bush", 1), Photo("George_W_Bush", 2), []),
            ("two people", Photo("George_W_Bush", 1), Photo("Tony_Blair", 1), []),
            ("one person, B as a 19 px probe", Photo("Colin_Powell", 1), Photo("Colin_Powell", 2), ["--probe-size", "19"]),
            ("two people, B as a 19 px probe", Photo("Colin_Powell", 1), Photo("Tony_Blair", 2), ["--probe-size", "19"]),
        };
        double worst = 0;
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
        }
        output.WriteLine($"max |cosine(ONNX Runtime) - cosine(TorchSharp)| over {cases.Length} verifications = {worst:E2}");
        Assert.True(worst < 1e-5, $"similarities differ by {worst:E2}");
        // The comparison is between informative answers: one person scores above two people at both sizes.
        Assert.True(similarities["one person"] > similarities["two people"]);
        Assert.True(similarities["one person, B as a 19 px probe"] > similarities["two people, B as a 19 px probe"]);
    }

    /// <summary>Runs <c>srface verify --json</c> and reads its answer.</summary>
    private static (int Code, double Similarity, double Threshold, bool Same, string Faces) Verify(string[] args)
    {
        var (code, text) = CliHelpTests.RunProgram(args);
        Assert.True(code is 0 or 1, $"exit {code}: {text}");
        var json = JsonNode.Parse(text.Split('\n').Single(l => l.StartsWith('{')))!;
        var faces = string.Join(" | ", json["images"]!.AsArray().Select(i =>
            $"{i!["box"]!.ToJsonString()} side {i["faceSidePx"]!.GetValue<double>():F2} restored {i["restored"]!.GetValue<bool>()}"));
        Assert.All(json["images"]!.AsArray(), i => Assert.True(i!["faceSidePx"]!.GetValue<double>() > 0, $"no face side in {text}"));
        return (code, json["similarity"]!.GetValue<double>(), json["threshold"]!.GetValue<double>(), json["same"]!.GetValue<bool>(), faces);
    }
}
