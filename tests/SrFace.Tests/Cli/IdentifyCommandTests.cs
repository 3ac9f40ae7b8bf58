using SrFace.Cli.Commands;
using SrFace.Tests.Recognition;

namespace SrFace.Tests.Cli;

[Collection(TorchCollection.Name)]
public class IdentifyCommandTests
{
    [Fact]
    public void Parses_single_probes_and_batch_mode()
    {
        var single = RecognitionCliHarness.Parse<IdentifyCommand.Settings>("identify", "p1.jpg", "p2.jpg", "--gallery", "g.db",
            "--model", "m.srface", "--top", "3", "--threshold", "0.4", "--probe-size", "16");
        Assert.Equal(["p1.jpg", "p2.jpg"], single.Probes);
        Assert.Equal(("g.db", "m.srface", 3, 0.4, 16), (single.Gallery, single.Model, single.Top, single.Threshold, single.ProbeSize));
        Assert.Null(single.ProbeDirectory);
        var batch = RecognitionCliHarness.Parse<IdentifyCommand.Settings>("identify", "--probes", "orl", "--skip-first", "5", "-g", "g.db",
            "-m", "m.srface", "--crop-fraction", "1");
        Assert.Equal(("orl", 5, 5, 1.0), (batch.ProbeDirectory, batch.SkipFirst, batch.Top, batch.CropFraction));
        Assert.Empty(batch.Probes);
    }

    [Theory]
    [InlineData("--top", "0")]
    [InlineData("--skip-first", "-1")]
    [InlineData("--probes", "dir")] // probes and --probes together
    public void Invalid_combinations_are_usage_errors(string option, string value)
    {
        Assert.Equal(2, RecognitionCliHarness.Run("identify", "p.jpg", "-g", "g.db", "-m", "m.srface", option, value));
        Assert.Equal(2, RecognitionCliHarness.Run("identify", "-g", "g.db", "-m", "m.srface")); // neither
    }

    [Fact]
    public void Identifies_single_probes_and_evaluates_a_probe_folder()
    {
        var folders = TinyCascade.IdentityFolders(4);
        var gallery = Path.Combine(TestData.NewTempDir(), "g.db");
        var model = TinyCascade.ModelPath;
        Assert.Equal(0, RecognitionCliHarness.Run("enroll", folders, "-g", gallery, "-m", model, "--first", "2"));
        var probe = Directory.GetFiles(Directory.GetDirectories(folders)[0]).Order().Last();
        Assert.Equal(0, RecognitionCliHarness.Run("identify", probe, "-g", gallery, "-m", model, "--top", "2", "--threshold", "0.5"));
        Assert.Equal(0, RecognitionCliHarness.Run("identify", probe, probe, "-g", gallery, "-m", model, "--probe-size", "8"));
        Assert.Equal(0, RecognitionCliHarness.Run("identify", "--probes", folders, "--skip-first", "2", "-g", gallery, "-m", model, "--probe-size", "8"));
        Assert.Equal(2, RecognitionCliHarness.Run("identify", "--probes", folders, "--skip-first", "4", "-g", gallery, "-m", model)); // no probes left
        Assert.Equal(2, RecognitionCliHarness.Run("identify", probe, "-g", Path.Combine(folders, "missing.db"), "-m", model));
    }

    [Fact]
    public void A_model_giving_NaN_embeddings_makes_identify_and_enroll_errors_not_rankings()
    {
        var model = TinyCascade.OverflowingModelPath;
        var folders = TinyCascade.IdentityFolders(2);
        var gallery = Path.Combine(TestData.NewTempDir(), "g.db");
        using (var cascade = SrFace.Cascade.FaceRecognitionCascade.Load(model))
        {
            var embedder = new SrFace.Recognition.FaceEmbedder(cascade);
            SrFace.Recognition.FaceGallery.Create(gallery, embedder.ModelId, embedder.EmbeddingDimension).Dispose();
        }
        Assert.Equal(2, RecognitionCliHarness.Run("enroll", folders, "-g", gallery, "-m", model));
        using (var g = SrFace.Recognition.FaceGallery.Open(gallery)) Assert.Equal(0, g.Count); // nothing enrolled
        var probe = Directory.GetFiles(Directory.GetDirectories(folders)[0]).Order().Last();
        Assert.Equal(2, RecognitionCliHarness.Run("identify", probe, "-g", gallery, "-m", model, "--threshold", "-1"));
        Assert.Equal(2, RecognitionCliHarness.Run("identify", "--probes", folders, "-g", gallery, "-m", model, "--threshold", "-1"));
    }
}
