using System.IO.Compression;
using System.Text.Json.Nodes;
using SrFace.Cascade;
using SrFace.Tests.Recognition;
using SrFace.Tests.Training;
using SrFace.Training;
using static TorchSharp.torch;

namespace SrFace.Tests.Cascade;

[Collection(TorchCollection.Name)]
public class FaceRecognitionCascadeTests
{
    [Fact]
    public void A_file_written_before_the_restoration_limit_existed_loads_with_the_default_and_a_bad_limit_is_refused()
    {
        var dir = TestData.NewTempDir();
        string WithLimit(string name, JsonNode? limit)
        {
            var path = Path.Combine(dir, name + FaceRecognitionCascade.Extension);
            File.Copy(TinyCascade.ModelPath, path);
            using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
            var entry = zip.GetEntry("manifest.json")!;
            JsonObject manifest;
            using (var reader = entry.Open()) manifest = JsonNode.Parse(reader)!.AsObject();
            Assert.True(manifest.Remove("RestorationLimit"), "the manifest names its restoration limit");
            if (limit is not null) manifest["RestorationLimit"] = limit;
            entry.Delete();
            using var writer = new StreamWriter(zip.CreateEntry("manifest.json").Open());
            writer.Write(manifest.ToJsonString());
            return path;
        }
        using (var old = FaceRecognitionCascade.Load(WithLimit("old", null)))
        {
            Assert.Null(old.Manifest.RestorationLimit);
            Assert.Equal(CascadeManifest.DefaultRestorationLimit, old.RestorationLimit);
            Assert.Equal(FaceRecognitionCascade.FormatVersion, old.Manifest.FormatVersion);
        }
        using (var given = FaceRecognitionCascade.Load(WithLimit("given", 0.5)))
            Assert.Equal(0.5, given.RestorationLimit);
        var bad = WithLimit("bad", -1);
        var error = Assert.Throws<InvalidDataException>(() => FaceRecognitionCascade.Load(bad));
        Assert.Contains(bad, error.Message);
    }

    [Fact]
    public void The_inference_cascade_names_no_training_type()
    {
        // Building from a trainer lives in SrFace.Training (CascadeBuilder); the cascade loads without it.
        var folder = Path.Combine(TestData.RepoRoot, "src", "SrFace", "Cascade");
        foreach (var file in Directory.GetFiles(folder, "*.cs"))
            foreach (var line in File.ReadLines(file).Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)))
                Assert.False(line.Contains("SrFace.Training", StringComparison.Ordinal) || line.Contains("JointTrainer", StringComparison.Ordinal) || line.Contains("Training.", StringComparison.Ordinal),
                    $"{Path.GetFileName(file)} refers to training: {line.Trim()}");
        var cascadeTypes = typeof(FaceRecognitionCascade).Assembly.GetTypes().Where(t => t.Namespace == "SrFace.Cascade");
        foreach (var type in cascadeTypes)
            foreach (var member in type.GetMembers(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly))
            {
                var types = member switch
                {
                    System.Reflection.MethodBase m => m.GetParameters().Select(p => p.ParameterType).Append((m as System.Reflection.MethodInfo)?.ReturnType),
                    System.Reflection.PropertyInfo p => [p.PropertyType],
                    System.Reflection.FieldInfo f => [f.FieldType],
                    _ => [],
                };
                Assert.DoesNotContain(types, t => t?.Namespace?.StartsWith("SrFace.Training", StringComparison.Ordinal) == true);
            }
    }

    [Fact]
    public void SaveThenLoadGivesIdenticalEmbeddings()
    {
        var loader = TrainingFixtures.SmallLfwLoader();
        using var trainer = new JointTrainer(TrainingFixtures.TinyOptions());
        using (var scope = NewDisposeScope())
        {
            int[] batch = [0, 1, 4, 5, 8, 9, 12, 13];
            trainer.Step(loader.LoadBatch(batch), loader.LoadLabels(batch), 0);
        }
        var path = Path.Combine(TestData.NewTempDir(), "model" + FaceRecognitionCascade.Extension);
        using var cascade = trainer.ToCascade(loader.Preprocessing);
        cascade.Calibrate(0.42);
        cascade.Save(path);
        using var loaded = FaceRecognitionCascade.Load(path);
        Assert.Equal(0.42, loaded.Threshold);
        Assert.Equal(cascade.Manifest.Recognizer, loaded.Manifest.Recognizer);

        using var s = NewDisposeScope();
        var hr = loader.LoadBatch([0, 4, 8]);
        var lr = SrFace.Degradation.FaceDegradation.Resize(hr, 8, 8);
        var before = cascade.EmbedLowResolution(lr);
        var after = loaded.EmbedLowResolution(lr);
        Assert.Equal(new long[] { 3, 32 }, after.shape);
        Assert.True(before.eq(after).all().item<bool>(), "embeddings differ after save -> load");
        var norms = after.norm(1);
        Assert.True(norms.sub(1).abs().max().item<float>() < 1e-4);
        var restored = loaded.Restore(lr);
        Assert.Equal(new long[] { 3, 3, 32, 32 }, restored.shape);
        Assert.True(restored.min().item<float>() >= 0 && restored.max().item<float>() <= 1);
        // A file embedding uses the same crop: an LFW file (250 px) is sharp and goes through the recogniser alone.
        var fromFile = new SrFace.Recognition.FaceEmbedder(loaded).EmbedFile(loader.Dataset.Samples[0].Path);
        Assert.Equal(32, fromFile.Length);
    }

    [Theory]
    [InlineData(FeatureFusion.Mean)]
    [InlineData(FeatureFusion.Concatenate)]
    public void The_fused_embedding_of_one_batched_pass_is_the_fusion_of_the_probe_and_restored_embeddings(FeatureFusion fusion)
    {
        // EmbedLowResolution runs the upsampled probe and its restoration through the recogniser as one [2N] batch; the
        // rows must come back in that order (concatenation is order-sensitive) and equal two separate passes.
        var loader = TrainingFixtures.SmallLfwLoader();
        using var trainer = new JointTrainer(TrainingFixtures.TinyOptions());
        using var cascade = trainer.ToCascade(loader.Preprocessing, fusion);
        using var scope = NewDisposeScope();
        var lr = SrFace.Degradation.FaceDegradation.Resize(loader.LoadBatch([0, 4, 8]), 8, 8);
        var probe = cascade.EmbedRecognizerOnly(lr);
        var restored = cascade.EmbedRecognizerOnly(cascade.Restore(lr));
        var expected = fusion == FeatureFusion.Mean
            ? nn.functional.normalize(probe + restored, dim: 1)
            : cat([probe, restored], 1) / Math.Sqrt(2);
        var fused = cascade.EmbedLowResolution(lr);
        Assert.Equal(expected.shape, fused.shape);
        Assert.True(fused.sub(expected).abs().max().item<float>() < 1e-5, $"{fusion}: batched fused embedding differs from the separate passes");
        Assert.True(cascade.EmbedLowResolution(lr, probe).sub(expected).abs().max().item<float>() < 1e-5, "the reused-probe path differs");
    }

    [Fact]
    public void A_batch_larger_than_one_pass_embeds_in_passes_as_each_probe_alone()
    {
        // 40 probes: passes of 16, 16 and 8 (FacesPerPass / 2) for the fused path, 32 and 8 for the recogniser alone; every
        // row must equal the probe embedded on its own, in order, with and without the reused probe embedding.
        var loader = TrainingFixtures.SmallLfwLoader();
        using var trainer = new JointTrainer(TrainingFixtures.TinyOptions());
        using var cascade = trainer.ToCascade(loader.Preprocessing);
        using var scope = NewDisposeScope();
        var faces = loader.LoadBatch([.. Enumerable.Range(0, 40).Select(i => i % loader.Dataset.Samples.Count)]);
        var lr = SrFace.Degradation.FaceDegradation.Resize(faces.add(rand_like(faces).mul(0.05)).clamp(0, 1), 8, 8);
        Assert.True(lr.shape[0] > FaceRecognitionCascade.FacesPerPass, "the batch spans several passes");
        var oneByOne = cat(Enumerable.Range(0, 40).Select(i => cascade.EmbedLowResolution(lr.narrow(0, i, 1))).ToArray(), 0);
        var probeOneByOne = cat(Enumerable.Range(0, 40).Select(i => cascade.EmbedRecognizerOnly(lr.narrow(0, i, 1))).ToArray(), 0);

        var probe = cascade.EmbedRecognizerOnly(lr);
        Assert.True(probe.sub(probeOneByOne).abs().max().item<float>() < 1e-5, "recogniser alone: passes differ from one probe at a time");
        Assert.True(cascade.EmbedLowResolution(lr).sub(oneByOne).abs().max().item<float>() < 1e-5, "fused: passes differ from one probe at a time");
        Assert.True(cascade.EmbedLowResolution(lr, probe).sub(oneByOne).abs().max().item<float>() < 1e-5, "fused with the reused probe embedding: passes differ");
    }

    [Fact]
    public void WrongOrCorruptModelFilesAreClearErrors()
    {
        var dir = TestData.NewTempDir();
        var garbage = Path.Combine(dir, "garbage.srface");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5]);
        var e = Assert.Throws<InvalidDataException>(() => FaceRecognitionCascade.Load(garbage));
        Assert.Contains("garbage.srface", e.Message);
        Assert.Throws<FileNotFoundException>(() => FaceRecognitionCascade.Load(Path.Combine(dir, "missing.srface")));

        // A checkpoint is a valid archive of another kind.
        var options = TrainingFixtures.TinyOptions() with { Stop = new StopConditions(1) };
        using (var trainer = new JointTrainer(options))
            new TrainingRun(options, TrainingFixtures.SmallLfwLoader(), dir).Run(trainer);
        var wrongKind = Assert.Throws<InvalidDataException>(() => FaceRecognitionCascade.Load(Path.Combine(dir, TrainingCheckpoint.FileName)));
        Assert.Contains("not an SrFace srface-cascade file", wrongKind.Message);
    }

    [Fact]
    public void AModelFileWithNonFiniteWeightsIsRefusedAndSharpProbesSkipRestoration()
    {
        var loader = TrainingFixtures.SmallLfwLoader();
        using var trainer = new JointTrainer(TrainingFixtures.TinyOptions());
        using var cascade = trainer.ToCascade(loader.Preprocessing);
        using var scope = NewDisposeScope();

        // A probe already at the input size is sharp: "restoring" it returns it unchanged.
        var hr = loader.LoadBatch([0, 4]);
        Assert.True(cascade.Restore(hr).allclose(hr));

        var path = Path.Combine(TestData.NewTempDir(), "damaged.srface");
        using (no_grad()) cascade.Recognizer.parameters().First().fill_(float.NaN);
        cascade.Save(path);
        var e = Assert.Throws<InvalidDataException>(() => FaceRecognitionCascade.Load(path));
        Assert.Contains("NaN or infinite", e.Message);
    }
}
