using System.Diagnostics;
using SrFace.Export;
using SrFace.Recognition;
using SrFace.Tests.Recognition;
using Xunit.Abstractions;

namespace SrFace.Tests.Cli;

/// <summary><c>srface export --format onnx</c> and <c>srface verify --runtime onnx</c> on the tiny trained cascade.</summary>
[Collection(TorchCollection.Name)]
public class ExportCommandTests(ITestOutputHelper output)
{
    [Fact]
    public void Exported_model_verifies_like_the_torchsharp_cascade()
    {
        var dir = TestData.NewTempDir();
        var onnx = Path.Combine(dir, "tiny.onnx");
        Assert.Equal(0, RecognitionCliHarness.Run("export", "--format", "onnx", "--model", TinyCascade.ModelPath, "--probe-size", "8", "--out", onnx));
        var people = TinyCascade.People.Samples.GroupBy(s => s.Identity).Select(g => g.First().Path).ToArray();

        // The similarity of each path, from the library, and the CLI decisions around it.
        using var cascade = TinyCascade.Load();
        var service = new FaceIdentification(cascade);
        using var exported = new OnnxCascade(onnx, threads: 2);
        double worst = 0;
        foreach (var (a, b) in new[] { (people[0], people[1]), (people[2], people[2]), (people[3], people[4]) })
        {
            var torch = service.Verify(a, b, 0, probeSize: 8).Similarity;
            var viaOnnx = FaceIdentificationSimilarity(exported, a, b);
            worst = Math.Max(worst, Math.Abs(torch - viaOnnx));
            foreach (var threshold in new[] { torch - 1e-3, torch + 1e-3 })
            {
                var t = threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
                var torchExit = RecognitionCliHarness.Run("verify", a, b, "--model", TinyCascade.ModelPath, "--probe-size", "8", "--threshold", t);
                var onnxExit = RecognitionCliHarness.Run("verify", a, b, "--model", onnx, "--runtime", "onnx", "--probe-size", "8", "--threshold", t);
                Assert.Equal(threshold < torch ? 0 : 1, torchExit);
                Assert.Equal(torchExit, onnxExit);
            }
        }
        output.WriteLine($"max |cosine(ONNX Runtime) - cosine(TorchSharp)| over 3 pairs (8 px probes) = {worst:E2}");
        Assert.True(worst < 1e-5, $"similarities differ by {worst:E2}");
    }

    [Theory]
    [InlineData("--format", "tflite")]
    [InlineData("--probe-size", "2")]
    public void Bad_options_are_usage_errors(string option, string value)
    {
        var onnx = Path.Combine(TestData.NewTempDir(), "x.onnx");
        Assert.Equal(2, RecognitionCliHarness.Run("export", "--model", "m.srface", "--out", onnx, option, value));
        Assert.Equal(2, RecognitionCliHarness.Run("export", "--model", "m.srface"));                 // no --out
        Assert.Equal(2, RecognitionCliHarness.Run("export", "--model", "missing.srface", "--out", onnx)); // no such model
        Assert.Equal(2, RecognitionCliHarness.Run("verify", "a.jpg", "b.jpg", "--model", onnx, "--runtime", "tensorflow"));
        Assert.Equal(2, RecognitionCliHarness.Run("verify", "a.jpg", "b.jpg", "--model", TinyCascade.ModelPath, "--runtime", "onnx", "--threshold", "0")); // a .srface is not ONNX
    }

    /// <summary>
    /// <c>verify --runtime onnx</c> runs exports, not recogniser names (the default pretrained recogniser included):
    /// those are errors (exit 2) that say to export first. With a crop fraction for each image an export whose framing
    /// says DlibChip takes the same centred crops as the TorchSharp path (no detector is loaded) and decides alike.
    /// </summary>
    [Fact]
    public void Onnx_runtime_takes_exports_not_names_and_crops_given_images_alike()
    {
        var dir = TestData.NewTempDir();
        var onnx = Path.Combine(dir, "tiny.onnx");
        Assert.Equal(0, RecognitionCliHarness.Run("export", "--model", TinyCascade.ModelPath, "--probe-size", "8", "--out", onnx));
        var aligned = SrFace.Tests.Export.OnnxExportTests.WithMetadata(onnx, Path.Combine(dir, "aligned.onnx"), "srface.alignment", "DlibChip");
        var people = TinyCascade.People.Samples.GroupBy(s => s.Identity).Select(g => g.First().Path).ToArray();

        Assert.Equal(2, RecognitionCliHarness.Run("verify", people[0], people[1], "--runtime", "onnx", "--threshold", "-1"));   // default: dlib-resnet
        Assert.Equal(2, RecognitionCliHarness.Run("verify", people[0], people[1], "--model", "dlib-resnet", "--runtime", "onnx", "--threshold", "-1"));
        var e = Assert.Throws<NotSupportedException>(() => SrFace.Cli.Commands.RecognitionCli.LoadOnnx(null, null));
        Assert.Contains("dlib-resnet", e.Message);
        Assert.Contains("srface export --model dlib-resnet", e.Message);
        var (withoutDetector, detector) = SrFace.Cli.Commands.RecognitionCli.LoadOnnx(aligned, null, everyImageCropped: true);
        using (withoutDetector) Assert.Null(detector);

        using var cascade = TinyCascade.Load();
        var similarity = new FaceIdentification(cascade).Verify(people[0], people[1], 0, 8, 0.6, 0.6).Similarity;
        foreach (var threshold in new[] { similarity - 1e-3, similarity + 1e-3 })
        {
            var t = threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            var expected = threshold < similarity ? 0 : 1;
            Assert.Equal(expected, RecognitionCliHarness.Run("verify", people[0], people[1], "--model", aligned, "--runtime", "onnx", "--probe-size", "8",
                "--crop-fraction-a", "0.6", "--crop-fraction-b", "0.6", "--threshold", t));
        }
    }

    /// <summary>
    /// Runs the CLI from a copy of its folder without any libtorch library: <c>verify --runtime onnx</c> works,
    /// <c>version</c> (which asks libtorch) fails, so the copy really has no libtorch.
    /// </summary>
    [Fact]
    public void Onnx_runtime_path_needs_no_libtorch()
    {
        var dir = TestData.NewTempDir();
        var onnx = Path.Combine(dir, "tiny.onnx");
        Assert.Equal(0, RecognitionCliHarness.Run("export", "--model", TinyCascade.ModelPath, "--out", onnx));
        var app = MirrorWithoutLibtorch(Path.Combine(dir, "app"));
        var people = TinyCascade.People.Samples.GroupBy(s => s.Identity).Select(g => g.First().Path).ToArray();

        var (exit, stdout, stderr) = RunCli(app, "verify", people[0], people[1], "--model", onnx, "--runtime", "onnx", "--threshold", "-1", "--json");
        Assert.True(exit == 0, $"exit {exit}: {stdout} {stderr}");
        Assert.Contains("\"same\":true", stdout);
        var (versionExit, versionOut, _) = RunCli(app, "version");                 // the control: libtorch is absent there
        Assert.Equal(0, versionExit);
        Assert.Contains("libtorch not loadable here", versionOut);
    }

    /// <summary>
    /// The aligning default model: <c>srface export --model dlib-resnet</c> writes the cascade and its face detector
    /// (<c>.faces.onnx</c>), and <c>verify --runtime onnx</c> detects, aligns and embeds two LFW photos from the copy of
    /// the CLI without libtorch (and without the model store: HOME is hidden). The control: the same export without its
    /// detector file must load TorchSharp's detector there and fails, so the copy does catch any libtorch use.
    /// </summary>
    [Fact]
    public void Aligned_onnx_runtime_path_needs_no_libtorch()
    {
        var dir = TestData.NewTempDir();
        var onnx = Path.Combine(dir, "dlib-resnet.onnx");
        Assert.Equal(0, RecognitionCliHarness.Run("export", "--model", "dlib-resnet", "--probe-size", "19", "--out", onnx));
        Assert.True(File.Exists(FaceDetectorOnnxExporter.PathFor(onnx)), "no face detector file beside the export");
        var app = MirrorWithoutLibtorch(Path.Combine(dir, "app"));
        string Photo(string person, int n) => Path.Combine(TestData.LfwImages, person, $"{person}_{n:0000}.jpg");

        var (exit, stdout, stderr) = RunCli(app, "verify", Photo("George_W_Bush", 1), Photo("George_W_Bush", 2), "--model", onnx, "--runtime", "onnx", "--json");
        Assert.True(exit == 0, $"exit {exit}: {stdout} {stderr}");
        Assert.Contains("\"same\":true", stdout);
        Assert.Contains("\"framing\":\"aligned\"", stdout);
        (exit, stdout, stderr) = RunCli(app, "verify", Photo("George_W_Bush", 1), Photo("Tony_Blair", 1), "--model", onnx, "--runtime", "onnx", "--json", "--probe-size", "19");
        Assert.True(exit == 1, $"exit {exit}: {stdout} {stderr}");
        Assert.Contains("\"same\":false", stdout);

        var withoutDetector = Path.Combine(dir, "no-detector.onnx");
        File.Copy(onnx, withoutDetector);
        (exit, _, stderr) = RunCli(app, "verify", Photo("George_W_Bush", 1), Photo("George_W_Bush", 2), "--model", withoutDetector, "--runtime", "onnx");
        output.WriteLine($"without its .faces.onnx file: exit {exit}, {stderr.Split('\n')[0]}");
        Assert.Equal(2, exit);
        Assert.Contains("no-detector.faces.onnx is missing", stderr);                    // names the file, not the native library
        var (versionExit, versionOut, _) = RunCli(app, "version");                 // the control: libtorch is absent there
        Assert.Equal(0, versionExit);
        Assert.Contains("libtorch not loadable here", versionOut);
    }

    /// <summary>A damaged <c>.faces.onnx</c> beside an aligning export is an error that names it, never a silent fallback.</summary>
    [Fact]
    public void A_damaged_face_detector_file_is_an_error_naming_it()
    {
        var dir = TestData.NewTempDir();
        var onnx = Path.Combine(dir, "tiny.onnx");
        Assert.Equal(0, RecognitionCliHarness.Run("export", "--model", TinyCascade.ModelPath, "--probe-size", "8", "--out", onnx));
        var aligned = SrFace.Tests.Export.OnnxExportTests.WithMetadata(onnx, Path.Combine(dir, "aligned.onnx"), "srface.alignment", "DlibChip");
        var faces = FaceDetectorOnnxExporter.PathFor(aligned);
        Assert.EndsWith("aligned.faces.onnx", faces);
        File.Copy(onnx, faces);                                   // an ONNX file, but a cascade, not a face detector
        var e = Assert.Throws<InvalidDataException>(() => new OnnxCascade(aligned, threads: 1));
        Assert.Contains(faces, e.Message);
        var person = TinyCascade.People.Samples[0].Path;
        Assert.Equal(2, RecognitionCliHarness.Run("verify", person, person, "--model", aligned, "--runtime", "onnx", "--threshold", "0"));
    }

    private static double FaceIdentificationSimilarity(OnnxCascade onnx, string a, string b) =>
        EmbeddingMath.Cosine(onnx.EmbedFile(a), onnx.EmbedFile(b, 8));

    /// <summary>
    /// A copy of the test folder's managed files (the CLI with its deps.json) and links to its linux-x64 native
    /// libraries minus libtorch and TorchSharp's own; copies, not links, for the assemblies, since TorchSharp looks for
    /// libtorch beside the real path of its assembly.
    /// </summary>
    private static string MirrorWithoutLibtorch(string target)
    {
        var source = AppContext.BaseDirectory;
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        var native = Path.Combine(source, "runtimes", "linux-x64");
        foreach (var file in Directory.EnumerateFiles(native, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith("libtorch") || name.StartsWith("libc10") || name.StartsWith("libLibTorchSharp")) continue;
            var dest = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.CreateSymbolicLink(dest, file);
        }
        return target;
    }

    /// <summary>
    /// <c>srface serve --runtime onnx</c> from the copy of the CLI without libtorch: the server answers /v1/verify on
    /// two LFW photos (uploads decoded, faces detected, aligned and embedded in managed code and ONNX Runtime).
    /// </summary>
    [Fact]
    public async Task Serve_with_onnx_runtime_needs_no_libtorch()
    {
        var dir = TestData.NewTempDir();
        var onnx = Path.Combine(dir, "dlib-resnet.onnx");
        Assert.Equal(0, RecognitionCliHarness.Run("export", "--model", "dlib-resnet", "--probe-size", "19", "--out", onnx));
        var app = MirrorWithoutLibtorch(Path.Combine(dir, "app"));
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)) { probe.Start(); port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port; }
        using var server = StartCli(app, "serve", "--runtime", "onnx", "--model", onnx, "--urls", $"http://127.0.0.1:{port}");
        var log = new System.Text.StringBuilder();
        server.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        server.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (true)
            {
                Assert.False(server.HasExited, $"the server exited: {log}");
                try { if ((await http.GetAsync("/healthz")).IsSuccessStatusCode) break; } catch (HttpRequestException) { }
                Assert.True(DateTime.UtcNow < deadline, $"the server did not answer /healthz in 2 minutes: {log}");
                await Task.Delay(250);
            }
            string Photo(string person, int n) => Path.Combine(TestData.LfwImages, person, $"{person}_{n:0000}.jpg");
            using var form = new MultipartFormDataContent
            {
                { new ByteArrayContent(File.ReadAllBytes(Photo("George_W_Bush", 1))), "a", "a.jpg" },
                { new ByteArrayContent(File.ReadAllBytes(Photo("George_W_Bush", 2))), "b", "b.jpg" },
            };
            var answer = await http.PostAsync("/v1/verify", form);
            var body = await answer.Content.ReadAsStringAsync();
            output.WriteLine($"/v1/verify without libtorch: {(int)answer.StatusCode} {body[..Math.Min(200, body.Length)]}");
            Assert.True(answer.IsSuccessStatusCode, $"{(int)answer.StatusCode} {body} {log}");
            Assert.Contains("\"same\":true", body);
            Assert.False(server.HasExited, $"the server exited after the request: {log}");
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            server.WaitForExit();
        }
    }

    private static Process StartCli(string app, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = app };
        // TorchSharp also copies libtorch from the NuGet package folder when it finds none beside itself: hide that folder.
        var empty = Directory.CreateDirectory(Path.Combine(app, "..", "home")).FullName;
        start.Environment["HOME"] = empty;
        start.Environment["NUGET_PACKAGES"] = empty;
        start.ArgumentList.Add(Path.Combine(app, "SrFace.Cli.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    private static (int Exit, string Stdout, string Stderr) RunCli(string app, params string[] args)
    {
        using var process = StartCli(app, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "the CLI did not finish in 3 minutes");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
