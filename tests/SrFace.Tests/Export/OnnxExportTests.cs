using SrFace.Cascade;
using SrFace.Data;
using SrFace.Export;
using SrFace.Imaging;
using SrFace.Models;
using SrFace.Recognition;
using SrFace.Tests.Recognition;
using SrFace.Tests.Training;
using SrFace.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SrFace.Tests.Export;

/// <summary>
/// The exported ONNX cascade (opset 18) run in ONNX Runtime against the TorchSharp cascade it came from: the tiny
/// trained model (32 px, FSRCNN x4 + FaceResNet-18 w8, mean fusion) on real LFW faces.
/// </summary>
[Collection(TorchCollection.Name)]
public class OnnxExportTests(ITestOutputHelper output)
{
    /// <summary>Largest embedding difference accepted between ONNX Runtime and TorchSharp (both float32; measured 2-8e-7 on this machine).</summary>
    internal const float EmbeddingTolerance = 1e-5f;

    [Theory]
    [InlineData(8)]   // = S/s: the probe goes straight into FSRCNN
    [InlineData(6)]   // bicubic upsampling to S/s first
    [InlineData(12)]  // antialiased bicubic shrink to S/s first
    [InlineData(32)]  // = S: a sharp face, recogniser only
    public void Onnx_runtime_embeddings_match_torchsharp(int probeSize)
    {
        using var cascade = TinyCascade.Load();
        var path = Path.Combine(TestData.NewTempDir(), $"tiny-p{probeSize}.onnx");
        var metadata = CascadeOnnxExporter.Export(cascade, probeSize, path);
        Assert.Equal((probeSize, 32, 3, 32, 18), (metadata.ProbeSize, metadata.InputSize, metadata.Channels, metadata.EmbeddingWidth, metadata.Opset));

        using var scope = NewDisposeScope();
        var probes = Faces(cascade, probeSize, count: 8);                                  // [8, 3, p, p]
        var expected = probeSize >= cascade.InputSize ? cascade.EmbedRecognizerOnly(probes) : cascade.EmbedLowResolution(probes);
        var sharp = Faces(cascade, cascade.InputSize, count: 8);                           // [8, 3, S, S]
        var expectedSharp = cascade.EmbedRecognizerOnly(sharp);

        using var onnx = new OnnxCascade(path, threads: 2);
        var got = onnx.Embed(probes.contiguous().data<float>().ToArray(), 8, probeSize);
        var gotSharp = onnx.Embed(sharp.contiguous().data<float>().ToArray(), 8, cascade.InputSize);
        var diff = MaxAbsDifference(expected, got);
        var diffSharp = MaxAbsDifference(expectedSharp, gotSharp);
        output.WriteLine($"p = {probeSize}: max |ONNX Runtime - TorchSharp| = {diff:E2} (probe path), {diffSharp:E2} (face path)");
        Assert.True(diff < EmbeddingTolerance, $"probe path differs by {diff:E2}");
        Assert.True(diffSharp < EmbeddingTolerance, $"face path differs by {diffSharp:E2}");
        // The embeddings are not trivially equal (e.g. all zero): different people give different vectors.
        Assert.True(MaxAbsDifference(expected.narrow(0, 0, 1).expand(8, -1), got) > 0.05);
    }

    [Fact]
    public void Managed_preprocessing_matches_the_torchsharp_crop_and_resize()
    {
        var files = TinyCascade.People.Samples.Take(6).Select(s => s.Path).ToArray();
        var preprocessing = FacePreprocessing.Lfw(32);
        float worst = 0;
        foreach (var file in files)
            foreach (var size in new[] { 32, 12, 7 })
            {
                using var scope = NewDisposeScope();
                var image = new SrFace.Imaging.FaceImageReader().Read(file);
                var torchFace = FaceCropper.CropAndResize(image, preprocessing with { Size = size }, file).contiguous().data<float>().ToArray();
                var managed = ManagedFacePreprocessing.CropAndResize(ManagedFacePreprocessing.Read(file, SrFace.Imaging.ColorMode.Rgb), preprocessing, size, file);
                Assert.Equal(torchFace.Length, managed.Pixels.Length);
                worst = Math.Max(worst, torchFace.Zip(managed.Pixels, (a, b) => Math.Abs(a - b)).Max());
            }
        output.WriteLine($"max |managed - TorchSharp| crop + antialiased bicubic resize = {worst:E2}");
        Assert.True(worst < 1e-5f, $"managed preprocessing differs by {worst:E2}");
    }

    [Fact]
    public void Onnx_file_embeddings_agree_with_the_torchsharp_embedder()
    {
        using var cascade = TinyCascade.Load();
        var path = Path.Combine(TestData.NewTempDir(), "tiny-p8.onnx");
        CascadeOnnxExporter.Export(cascade, 8, path);
        using var onnx = new OnnxCascade(path, threads: 2);
        var embedder = new FaceEmbedder(cascade);
        var files = TinyCascade.People.Samples.GroupBy(s => s.Identity).Select(g => g.First().Path).Take(4).ToArray();
        double worst = 0;
        foreach (var file in files)
        {
            var sharpTorch = embedder.EmbedFile(file);
            var probeTorch = embedder.EmbedFile(file, probeSize: 8);
            var sharpOnnx = onnx.EmbedFile(file);
            var probeOnnx = onnx.EmbedFile(file, probeSize: 8);
            worst = Math.Max(worst, Math.Max(sharpTorch.Zip(sharpOnnx, (a, b) => Math.Abs(a - b)).Max(), probeTorch.Zip(probeOnnx, (a, b) => Math.Abs(a - b)).Max()));
        }
        output.WriteLine($"max |ONNX Runtime - TorchSharp| embedding from files (sharp and 8 px probes) = {worst:E2}");
        Assert.True(worst < EmbeddingTolerance, $"file embeddings differ by {worst:E2}");
    }

    [Fact]
    public void Bad_files_and_wrong_probe_sizes_are_clear_errors()
    {
        var dir = TestData.NewTempDir();
        var notOnnx = Path.Combine(dir, "bad.onnx");
        File.WriteAllText(notOnnx, "not a model");
        Assert.Throws<InvalidDataException>(() => new OnnxCascade(notOnnx));
        Assert.Throws<FileNotFoundException>(() => new OnnxCascade(Path.Combine(dir, "missing.onnx")));
        using var cascade = TinyCascade.Load();
        var path = Path.Combine(dir, "tiny-p8.onnx");
        CascadeOnnxExporter.Export(cascade, 8, path);
        using var onnx = new OnnxCascade(path, threads: 1);
        var file = TinyCascade.People.Samples[0].Path;
        var e = Assert.Throws<InvalidDataException>(() => onnx.EmbedFile(file, probeSize: 10));
        Assert.Contains("--probe-size 8", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => CascadeOnnxExporter.Build(cascade, 3));
    }

    [Fact]
    public void Export_records_the_framing_and_without_a_detector_a_model_that_aligns_faces_is_refused_not_cropped_differently()
    {
        using var cascade = TinyCascade.Load();
        var dir = TestData.NewTempDir();
        var path = Path.Combine(dir, "tiny-p8.onnx");
        var metadata = CascadeOnnxExporter.Export(cascade, 8, path);
        // Crop fraction, colour mode and alignment come back from the file as the cascade's own FacePreprocessing.
        Assert.Equal(cascade.Preprocessing with { Size = metadata.InputSize }, metadata.Preprocessing);

        var aligned = WithMetadata(path, Path.Combine(dir, "aligned.onnx"), "srface.alignment", nameof(FaceAlignmentTemplate.DlibChip));
        using var onnx = new OnnxCascade(aligned, threads: 1);
        Assert.True(onnx.NeedsAlignment);
        var file = TinyCascade.People.Samples[0].Path;
        var e = Assert.Throws<NotSupportedException>(() => onnx.EmbedFile(file));   // no detector given
        Assert.Contains("DlibChip", e.Message);
        Assert.Contains("detector", e.Message);
        Assert.False(onnx.CanAlign);

        // A crop given for the image is a centred crop in both runtimes (FaceEmbedder does the same): allowed, equal.
        var embedder = new FaceEmbedder(cascade);
        var torch = embedder.EmbedFile(file, probeSize: 8, cropFraction: 0.6);
        var viaOnnx = onnx.EmbedFile(file, probeSize: 8, cropFraction: 0.6);
        Assert.True(torch.Zip(viaOnnx, (a, b) => Math.Abs(a - b)).Max() < EmbeddingTolerance);

        // An export written before faces could be aligned has no srface.alignment: a centred crop.
        var older = WithMetadata(path, Path.Combine(dir, "older.onnx"), "srface.alignment", null);
        using var olderOnnx = new OnnxCascade(older, threads: 1);
        Assert.False(olderOnnx.NeedsAlignment);
        Assert.Equal(FaceAlignmentTemplate.CentredCrop, olderOnnx.Metadata.Preprocessing.Alignment);
    }

    /// <summary>
    /// The per-image framing rule (<see cref="FacePreprocessing.FramingFor"/>) and the texture check are the same in
    /// both runtimes: an image smaller than S is taken whole, a flat one is refused. The images are synthetic (noise
    /// and a flat grey, no faces), written to a temporary folder.
    /// </summary>
    [Fact]
    public void Small_and_flat_images_are_framed_and_refused_alike_in_both_runtimes()
    {
        using var cascade = TinyCascade.Load();
        var dir = TestData.NewTempDir();
        var path = Path.Combine(dir, "tiny-p8.onnx");
        CascadeOnnxExporter.Export(cascade, 8, path);
        using var onnx = new OnnxCascade(path, threads: 1);
        var embedder = new FaceEmbedder(cascade);

        var random = new Random(7);
        var noise = Png(Path.Combine(dir, "noise.png"), 24, 20, (_, _) => (byte)random.Next(256));   // below S = 32: taken whole
        var flat = Png(Path.Combine(dir, "flat.png"), 64, 64, (_, _) => 128);
        var torch = embedder.EmbedFile(noise, probeSize: 8);
        var viaOnnx = onnx.EmbedFile(noise, probeSize: 8);
        var diff = torch.Zip(viaOnnx, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"24x20 image taken whole, 8 px probe: max |ONNX Runtime - TorchSharp| = {diff:E2}");
        Assert.True(diff < EmbeddingTolerance, $"small-image embeddings differ by {diff:E2}");
        Assert.Contains("no texture", Assert.Throws<InvalidDataException>(() => embedder.EmbedFile(flat)).Message);
        Assert.Contains("no texture", Assert.Throws<InvalidDataException>(() => onnx.EmbedFile(flat)).Message);
    }

    private static string Png(string path, int width, int height, Func<int, int, byte> grey)
    {
        using var bitmap = new SkiaSharp.SKBitmap(width, height, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Unpremul);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var v = grey(x, y);
                bitmap.SetPixel(x, y, new SkiaSharp.SKColor(v, (byte)(255 - v), v));
            }
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    /// <summary>A copy of an ONNX file with one metadata entry set (or removed when <paramref name="value"/> is null).</summary>
    internal static string WithMetadata(string source, string target, string key, string? value)
    {
        Onnx.ModelProto model;
        using (var stream = File.OpenRead(source)) model = Onnx.ModelProto.Parser.ParseFrom(stream);
        var entry = model.MetadataProps.FirstOrDefault(p => p.Key == key);
        if (entry is not null) model.MetadataProps.Remove(entry);
        if (value is not null) model.MetadataProps.Add(new Onnx.StringStringEntryProto { Key = key, Value = value });
        using (var stream = File.Create(target)) Google.Protobuf.MessageExtensions.WriteTo(model, stream);
        return target;
    }

    [Fact]
    public void A_mobilefacenet_cascade_runs_alike_in_onnx_runtime()
    {
        // An untrained MobileFaceNet cascade whose batch norms have run in training mode over LFW faces (their running
        // statistics those faces' own), so its embeddings spread instead of collapsing, and the mapping of every block
        // (expand, depthwise, linear projection, residual adds, the GDC layer and the BN1d head) shows.
        using var trainer = new JointTrainer(TrainingFixtures.TinyOptions() with { Recognizer = "mobilefacenet", RecognizerWidth = 16 });
        using var cascade = trainer.ToCascade(TinyCascade.Load().Preprocessing);
        using var scope = NewDisposeScope();
        var sharp = Faces(cascade, cascade.InputSize, count: 8);
        cascade.Recognizer.train();
        using (no_grad())
        {
            for (var i = 0; i < 40; i++) cascade.Recognizer.forward(sharp);
        }
        cascade.Recognizer.eval();
        var path = Path.Combine(TestData.NewTempDir(), "mobilefacenet-p8.onnx");
        CascadeOnnxExporter.Export(cascade, 8, path);

        var probes = Faces(cascade, 8, count: 8);
        using var onnx = new OnnxCascade(path, threads: 2);
        var diff = MaxAbsDifference(cascade.EmbedLowResolution(probes), onnx.Embed(probes.contiguous().data<float>().ToArray(), 8, 8));
        var expectedSharp = cascade.EmbedRecognizerOnly(sharp);
        var gotSharp = onnx.Embed(sharp.contiguous().data<float>().ToArray(), 8, cascade.InputSize);
        var diffSharp = MaxAbsDifference(expectedSharp, gotSharp);
        var spread = MaxAbsDifference(expectedSharp.narrow(0, 0, 1).expand(8, -1), gotSharp);
        output.WriteLine($"MobileFaceNet: max |ONNX Runtime - TorchSharp| = {diff:E2} (probe path), {diffSharp:E2} (face path); between faces {spread:E2}");
        Assert.True(diff < EmbeddingTolerance, $"probe path differs by {diff:E2}");
        Assert.True(diffSharp < EmbeddingTolerance, $"face path differs by {diffSharp:E2}");
        Assert.True(spread > 0.01, $"different faces give different vectors ({spread:E2} apart)");
    }

    /// <summary>n real LFW faces of the tiny set at <paramref name="side"/> px (crop + antialiased bicubic), <c>[n, 3, side, side]</c>.</summary>
    private static Tensor Faces(FaceRecognitionCascade cascade, int side, int count)
    {
        var reader = new SrFace.Imaging.FaceImageReader();
        var faces = TinyCascade.People.Samples.Take(count)
            .Select(s => FaceCropper.CropAndResize(reader.Read(s.Path), cascade.Preprocessing with { Size = side }, s.Path)).ToArray();
        return stack(faces);
    }

    /// <summary>max |expected - got| over all values (row-major), asserting equal counts.</summary>
    internal static float MaxAbsDifference(Tensor expected, float[][] got)
    {
        var e = expected.contiguous().data<float>().ToArray();
        var g = got.SelectMany(v => v).ToArray();
        Assert.Equal(e.Length, g.Length);
        return e.Zip(g, (a, b) => Math.Abs(a - b)).Max();
    }
}
