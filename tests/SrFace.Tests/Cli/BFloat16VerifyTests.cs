using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace SrFace.Tests.Cli;

/// <summary><c>srface verify --bf16</c>: the pretrained recogniser in bfloat16 gives the float32 decisions, with cosines
/// close to float32's; with <c>--runtime onnx</c> it is an error.</summary>
[Collection(TorchCollection.Name)]
public class BFloat16VerifyTests(ITestOutputHelper output)
{
    private static string Photo(string person, int n) => Path.Combine(TestData.LfwImages, person, $"{person}_{n:0000}.jpg");

    [Fact]
    public void Verify_in_bfloat16_gives_the_float32_decisions_with_close_similarities()
    {
        var cases = new (string A, string B, string[] Extra)[]
        {
            (Photo("George_W_Bush", 1), Photo("George_W_Bush", 2), []),
            (Photo("George_W_Bush", 1), Photo("Tony_Blair", 1), []),
            (Photo("Colin_Powell", 1), Photo("Colin_Powell", 2), ["--probe-size", "19"]),
            (Photo("Colin_Powell", 1), Photo("Tony_Blair", 2), ["--probe-size", "19"]),
        };
        var similarities = new List<double>();
        double worst = 0;
        foreach (var (a, b, extra) in cases)
        {
            var fp32 = Verify(["verify", a, b, "--json", .. extra]);
            var bf16 = Verify(["verify", a, b, "--json", "--bf16", .. extra]);
            output.WriteLine($"{Path.GetFileName(a)} / {Path.GetFileName(b)} {string.Join(' ', extra)}: fp32 {fp32.Similarity:F6}, bf16 {bf16.Similarity:F6}");
            worst = Math.Max(worst, Math.Abs(fp32.Similarity - bf16.Similarity));
            Assert.Equal(fp32.Code, bf16.Code);
            Assert.True(Math.Abs(fp32.Similarity - bf16.Similarity) < 5e-3, $"fp32 {fp32.Similarity}, bf16 {bf16.Similarity}");
            Assert.NotEqual(fp32.Similarity, bf16.Similarity); // the flag reached the models
            similarities.Add(bf16.Similarity);
        }
        output.WriteLine($"max |cosine(bf16) - cosine(fp32)| over {cases.Length} verifications = {worst:E2}");
        Assert.True(similarities[0] > similarities[1] && similarities[2] > similarities[3], "one person scores above two people");
    }

    [Fact]
    public void Bfloat16_with_the_onnx_runtime_is_an_error()
    {
        var (code, text) = CliHelpTests.RunProgram("verify", Photo("George_W_Bush", 1), Photo("George_W_Bush", 2), "--runtime", "onnx", "--bf16");
        Assert.Equal(2, code);
        Assert.Contains("--bf16 applies to --runtime torch", text);
    }

    private static (int Code, double Similarity) Verify(string[] args)
    {
        var (code, text) = CliHelpTests.RunProgram(args);
        Assert.True(code is 0 or 1, $"exit {code}: {text}");
        var json = JsonNode.Parse(text.Split('\n').Single(l => l.StartsWith('{')))!;
        return (code, json["similarity"]!.GetValue<double>());
    }
}
