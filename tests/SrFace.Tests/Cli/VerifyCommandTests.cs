using System.IO.Compression;
using SrFace.Cascade;
using SrFace.Cli.Commands;
using SrFace.Imaging;
using SrFace.Recognition;
using Tensor = TorchSharp.torch.Tensor;
using SrFace.Tests.Recognition;

namespace SrFace.Tests.Cli;

[Collection(TorchCollection.Name)]
public class VerifyCommandTests
{
    [Fact]
    public void Parses_images_model_and_options()
    {
        var s = RecognitionCliHarness.Parse<VerifyCommand.Settings>("verify", "a.jpg", "b.png", "--model", "m.srface", "--json",
            "--threshold", "0.35", "--probe-size", "16", "--crop-fraction", "1.0");
        Assert.Equal(("a.jpg", "b.png", "m.srface", true), (s.A, s.B, s.Model, s.Json));
        Assert.Equal((0.35, 16, 1.0), (s.Threshold, s.ProbeSize, s.CropFraction));
        var plain = RecognitionCliHarness.Parse<VerifyCommand.Settings>("verify", "a.jpg", "b.png", "-m", "m.srface");
        Assert.Equal((false, null, null, null), (plain.Json, plain.Threshold, plain.ProbeSize, plain.CropFraction));
    }

    [Theory]
    [InlineData("--threshold", "1.5")]
    [InlineData("--probe-size", "0")]
    [InlineData("--crop-fraction", "1.2")]
    public void Out_of_range_options_are_usage_errors(string option, string value)
    {
        Assert.Equal(2, RecognitionCliHarness.Run("verify", "a.jpg", "b.jpg", "--model", "m.srface", option, value));
        Assert.Equal(2, RecognitionCliHarness.Run("verify", "a.jpg", "b.jpg")); // the default model, but no such images
    }

    [Fact]
    public void Exit_code_is_the_decision_and_2_on_errors()
    {
        var people = TinyCascade.People.Samples.GroupBy(s => s.Identity).Select(g => g.First().Path).ToArray();
        var model = TinyCascade.ModelPath;
        // The tiny model is uncalibrated: without --threshold there is no decision.
        Assert.Equal(2, RecognitionCliHarness.Run("verify", people[0], people[1], "--model", model));
        Assert.Equal(0, RecognitionCliHarness.Run("verify", people[0], people[1], "--model", model, "--threshold", "-1"));
        Assert.Equal(1, RecognitionCliHarness.Run("verify", people[0], people[1], "--model", model, "--threshold", "1", "--json"));
        Assert.Equal(0, RecognitionCliHarness.Run("verify", people[0], people[0], "--model", model, "--threshold", "0.999"));
        Assert.Equal(0, RecognitionCliHarness.Run("verify", people[0], people[2], "--model", model, "--threshold", "-1", "--probe-size", "8"));
        Assert.Equal(2, RecognitionCliHarness.Run("verify", people[0], "missing.jpg", "--model", model, "--threshold", "0"));
        Assert.Equal(2, RecognitionCliHarness.Run("verify", people[0], people[1], "--model", "missing.srface", "--threshold", "0"));
    }

    [Fact]
    public void A_probe_size_above_the_model_input_is_exit_2_with_a_clear_message()
    {
        var people = TinyCascade.People.Samples.GroupBy(s => s.Identity).Select(g => g.First().Path).ToArray();
        var (code, output) = CliHelpTests.RunProgram("verify", people[0], people[1], "--model", TinyCascade.ModelPath, "--threshold", "0", "--probe-size", "33");
        Assert.Equal(2, code);
        Assert.Contains("4..32 px for this model (S = 32); got 33", output);
        Assert.Equal(0, CliHelpTests.RunProgram("verify", people[0], people[1], "--model", TinyCascade.ModelPath, "--threshold", "-1", "--probe-size", "32").Code);
        // Below the smallest face SrFace accepts: refused before anything runs (it once failed later, on the face).
        (code, output) = CliHelpTests.RunProgram("verify", people[0], people[1], "--model", TinyCascade.ModelPath, "--threshold", "0", "--probe-size", "2");
        Assert.Equal(2, code);
        Assert.Contains("--probe-size must be at least 4 pixels", output);
        // export: the same range.
        var onnx = Path.Combine(TestData.NewTempDir(), "big.onnx");
        (code, output) = CliHelpTests.RunProgram("export", "--model", TinyCascade.ModelPath, "--probe-size", "500", "--out", onnx);
        Assert.Equal(2, code);
        Assert.Contains("got 500", output);
        Assert.False(File.Exists(onnx));
    }

    [Fact]
    public void A_probe_size_above_the_model_input_in_evaluate_is_a_clean_message()
    {
        var (code, output) = CliHelpTests.RunProgram("evaluate", "--model", TinyCascade.ModelPath, "--probe-sizes", "33", "--protocol", "view1",
            "--sr-faces", "0", "--data", TestData.Datasets, "--out", TestData.NewTempDir());
        Assert.Equal(2, code);
        Assert.Contains("Probe size 33 px is outside 1..32 px", output);
        Assert.DoesNotContain("(Parameter", output);
        Assert.DoesNotContain("Actual value", output);
    }

    [Fact]
    public void A_model_giving_NaN_embeddings_is_an_error_never_different_people()
    {
        var people = TinyCascade.People.Samples.GroupBy(s => s.Identity).Select(g => g.First().Path).ToArray();
        var model = TinyCascade.OverflowingModelPath;
        Assert.Equal(2, RecognitionCliHarness.Run("verify", people[0], people[1], "--model", model, "--threshold", "0.5"));
        Assert.Equal(2, RecognitionCliHarness.Run("verify", people[0], people[1], "--model", model, "--threshold", "0.5", "--json", "--probe-size", "8"));

        using var cascade = FaceRecognitionCascade.Load(model);
        var e = Assert.Throws<InvalidDataException>(() => new FaceIdentification(cascade).Verify(people[0], people[1], 0.5));
        Assert.Contains(model, e.Message);
        Assert.Contains("NaN", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_model_file_with_a_damaged_tensor_header_is_exit_2_not_a_libtorch_error_with_exit_1()
    {
        var people = TinyCascade.People.Samples.GroupBy(s => s.Identity).Select(g => g.First().Path).ToArray();
        var copy = Path.Combine(TestData.NewTempDir(), "damaged" + FaceRecognitionCascade.Extension);
        File.Copy(TinyCascade.ModelPath, copy);
        using (var zip = ZipFile.Open(copy, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("recognizer.bin")!;
            byte[] data;
            using (var s = entry.Open()) { var m = new MemoryStream(); s.CopyTo(m); data = m.ToArray(); }
            BitConverter.GetBytes(1L << 40).CopyTo(data, 4 + 1 + data[4] + 4 + 4); // the first tensor's first dimension
            entry.Delete();
            using var w = zip.CreateEntry("recognizer.bin", CompressionLevel.NoCompression).Open();
            w.Write(data);
        }
        Assert.Equal(2, RecognitionCliHarness.Run("verify", people[0], people[1], "--model", copy, "--threshold", "0.5"));
        // A one-byte change (CRC-32 mismatch) too.
        var flipped = Path.Combine(TestData.NewTempDir(), "flipped" + FaceRecognitionCascade.Extension);
        var bytes = File.ReadAllBytes(TinyCascade.ModelPath);
        var (offset, length) = SrFace.Tests.IO.ZipBytes.StoredData(bytes, "recognizer.bin");
        bytes[offset + length / 2] ^= 1;
        File.WriteAllBytes(flipped, bytes);
        Assert.Equal(2, RecognitionCliHarness.Run("verify", people[0], people[1], "--model", flipped, "--threshold", "0.5"));
    }

    [Fact]
    public void Near_constant_images_are_refused_and_real_faces_are_not()
    {
        var dir = TestData.NewTempDir();
        string Png(string name, Tensor image) { var path = Path.Combine(dir, name); PngWriter.Write(image, path); return path; }
        string grey, lighter, flatNoise;
        using (var scope = TorchSharp.torch.NewDisposeScope())
        {
            grey = Png("grey.png", TorchSharp.torch.full([3, 120, 100], 0.5f));
            lighter = Png("lighter.png", TorchSharp.torch.full([3, 120, 100], 0.7f));
            var generator = new TorchSharp.torch.Generator(7);
            flatNoise = Png("flat-noise.png", (TorchSharp.torch.rand([3, 120, 100], generator: generator) * 0.02f + 0.5f)); // +-1 % around grey
        }
        var model = TinyCascade.ModelPath;
        var face = TinyCascade.People.Samples[0].Path;
        // Without the check two flat images score about 1: "same person".
        Assert.Equal(2, RecognitionCliHarness.Run("verify", grey, lighter, "--model", model, "--threshold", "0.5"));
        Assert.Equal(2, RecognitionCliHarness.Run("verify", grey, flatNoise, "--model", model, "--threshold", "0.5"));
        Assert.Equal(2, RecognitionCliHarness.Run("verify", face, grey, "--model", model, "--threshold", "0.5", "--probe-size", "8"));

        using var cascade = TinyCascade.Load();
        var embedder = new FaceEmbedder(cascade);
        var e = Assert.Throws<InvalidDataException>(() => embedder.EmbedFile(flatNoise));
        Assert.Contains(flatNoise, e.Message);
        Assert.Contains("no texture", e.Message);
        // The 32 real faces pass, even as 4 px probes (the lowest contrast).
        var all = TinyCascade.People.Samples.Select(s => s.Path).ToArray();
        Assert.Equal(all.Length, embedder.EmbedFiles(all, probeSize: 4).Length);
    }

    [Fact]
    public void A_tight_probe_smaller_than_the_input_is_taken_whole_and_each_image_can_have_its_own_framing()
    {
        // B: the model's face crop of an LFW photo (0.48 of 250 px), saved as a tight 16 px face.
        var photo = TinyCascade.People.Samples[0].Path;
        var tight = Path.Combine(TestData.NewTempDir(), "tight16.png");
        using (var scope = TorchSharp.torch.NewDisposeScope())
            PngWriter.Write(SrFace.Data.FaceCropper.CropAndResize(new FaceImageReader().Read(photo), SrFace.Data.FacePreprocessing.Lfw(16), photo), tight);

        using var cascade = TinyCascade.Load();
        Assert.True(16 < cascade.InputSize);
        var embedder = new FaceEmbedder(cascade);
        Assert.False(embedder.FramingGiven);
        var byDefault = embedder.EmbedFile(tight);
        Assert.Equal(embedder.EmbedFile(tight, cropFraction: 1.0), byDefault);         // taken whole
        Assert.NotEqual(embedder.EmbedFile(tight, cropFraction: 0.48), byDefault);     // not cropped again
        // The photo degraded to 16 px and the tight file hold the same face: the default framing matches them.
        var photoAt16 = embedder.EmbedFile(photo, probeSize: 16);
        Assert.True(EmbeddingMath.Cosine(photoAt16, byDefault) > EmbeddingMath.Cosine(photoAt16, embedder.EmbedFile(tight, cropFraction: 0.48)));
        // A crop given for every image applies to small images too.
        var given = new FaceEmbedder(cascade, cascade.Preprocessing);
        Assert.True(given.FramingGiven);
        Assert.Equal(embedder.EmbedFile(tight, cropFraction: 0.48), given.EmbedFile(tight));

        var parsed = RecognitionCliHarness.Parse<VerifyCommand.Settings>("verify", photo, tight, "-m", "m.srface", "--crop-fraction-a", "0.48", "--crop-fraction-b", "1");
        Assert.Equal((0.48, 1.0), (parsed.CropFractionA, parsed.CropFractionB));
        Assert.Equal(2, RecognitionCliHarness.Run("verify", photo, tight, "-m", "m.srface", "--crop-fraction-b", "0"));
        Assert.Equal(0, RecognitionCliHarness.Run("verify", photo, tight, "-m", TinyCascade.ModelPath, "--threshold", "-1", "--crop-fraction-b", "1"));
    }
}
