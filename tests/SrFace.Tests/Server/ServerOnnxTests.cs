using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SrFace.Export;
using SrFace.Tests.Recognition;
using SrFace.Tests.Recognition.Galleries;
using Xunit.Abstractions;

namespace SrFace.Tests.Server;

/// <summary>
/// <c>srface serve --runtime onnx</c>: the server runs a file from <c>srface export</c> (the tiny test cascade, FSRCNN x4
/// + FaceResNet at 32 px, exported for 8 px probes) in ONNX Runtime and answers /v1/verify and /v1/identify as the
/// TorchSharp server on the .srface file does; a gallery it enrols is the same model's for the TorchSharp server.
/// </summary>
[Collection(TorchCollection.Name)]
public class ServerOnnxTests(ITestOutputHelper output)
{
    private static string[] Images(int person, int count) =>
        TinyCascade.People.Samples.Where(s => s.Identity == TinyCascade.People.Identities[person]).Take(count).Select(s => s.Path).ToArray();

    [Fact]
    public async Task An_onnx_server_verifies_and_identifies_like_the_torchsharp_server_on_the_same_galleries()
    {
        var onnx = Path.Combine(TestData.NewTempDir(), "tiny-p8.onnx");
        using (var cascade = TinyCascade.Load()) CascadeOnnxExporter.Export(cascade, 8, onnx);
        using var backend = TestGalleries.Of("sqlite");
        var (a, b, other) = (Images(0, 4), Images(0, 4)[3], Images(1, 4));

        var answers = new Dictionary<string, (double Same, double Different, double Probe, string? Identity, double Score)>();
        var sources = new Dictionary<string, string>();
        foreach (var runtime in new[] { "onnx", "torch" })
        {
            await using var server = await TestServer.StartAsync(backend.CatalogAddress(),
                o => runtime == "onnx" ? o with { Model = onnx, Runtime = "onnx" } : o);
            async Task<JsonElement> Post(string url, MultipartFormDataContent form)
            {
                var response = await server.Client.PostAsync(url, form);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{runtime} {url}: {(int)response.StatusCode} {body}");
                return body;
            }
            static MultipartFormDataContent Pair(string x, string y) => new() { { TestServer.Form("a", x).Single(), "a", Path.GetFileName(x) }, { TestServer.Form("b", y).Single(), "b", Path.GetFileName(y) } };
            var same = (await Post("/v1/verify", Pair(a[0], a[1]))).GetProperty("similarity").GetDouble();
            var different = (await Post("/v1/verify", Pair(a[0], other[0]))).GetProperty("similarity").GetDouble();
            var probe = await Post("/v1/verify?probeSize=8", Pair(a[0], a[2]));
            Assert.True(probe.GetProperty("faceB").GetProperty("restored").GetBoolean(), $"{runtime}: the 8 px probe was not restored: {probe}");

            // The ONNX server enrols the gallery; the TorchSharp server searches it (same model id), and both identify.
            if (runtime == "onnx")
                foreach (var (person, images) in new[] { ("first", a[..2]), ("second", other[..2]) })
                    Assert.Equal(HttpStatusCode.Created, (await server.PostWithKeyAsync($"/v1/galleries/default/identities/{person}/images", TestServer.Form("images", images))).StatusCode);
            var identify = await Post("/v1/identify?top=2&images=true", TestServer.Form("image", b));
            var best = identify.GetProperty("candidates")[0];
            // The model's own thresholds travel in the export: the same threshold, from the same source, in both runtimes.
            sources[runtime] = $"{identify.GetProperty("thresholdSource").GetString()} {identify.GetProperty("threshold")}";
            answers[runtime] = (same, different, probe.GetProperty("similarity").GetDouble(), best.GetProperty("identity").GetString(), best.GetProperty("score").GetDouble());
            output.WriteLine($"{runtime}: same {same:F6}, different {different:F6}, 8 px probe {answers[runtime].Probe:F6}, identify -> {answers[runtime].Identity} {answers[runtime].Score:F6}");

            if (runtime == "onnx")
            {
                // An export gives embeddings, not images: identify says so by images = null, /v1/restore is a 501 problem.
                Assert.Equal(JsonValueKind.Null, identify.GetProperty("images").ValueKind);
                var restore = await server.Client.PostAsync("/v1/restore?probeSize=8", TestServer.Form("image", b));
                Assert.Equal(HttpStatusCode.NotImplemented, restore.StatusCode);
                Assert.Contains("--runtime torch", await restore.Content.ReadAsStringAsync());
            }
        }
        var (viaOnnx, torch) = (answers["onnx"], answers["torch"]);
        Assert.Equal("first", torch.Identity);
        Assert.Equal(torch.Identity, viaOnnx.Identity);
        foreach (var (x, y) in new[] { (viaOnnx.Same, torch.Same), (viaOnnx.Different, torch.Different), (viaOnnx.Probe, torch.Probe), (viaOnnx.Score, torch.Score) })
            Assert.True(Math.Abs(x - y) < 1e-5, $"ONNX {x:F7} vs TorchSharp {y:F7}");
        Assert.True(torch.Same > torch.Different);
        Assert.Equal(sources["torch"], sources["onnx"]);
    }
}
