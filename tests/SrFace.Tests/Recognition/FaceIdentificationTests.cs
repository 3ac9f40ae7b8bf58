using SrFace.Cascade;
using SrFace.Recognition;
using SrFace.Tests.Training;
using SrFace.Training;

namespace SrFace.Tests.Recognition;

/// <summary>Verification, enrolment and identification of real LFW faces through <see cref="FaceIdentification"/> with a tiny trained model.</summary>
[Collection(TorchCollection.Name)]
public class FaceIdentificationTests
{
    private static string NewGalleryPath() => Path.Combine(TestData.NewTempDir(), "gallery.db");

    [Fact]
    public void Same_person_pairs_score_higher_than_different_person_pairs_on_average()
    {
        using var cascade = TinyCascade.Load();
        var service = new FaceIdentification(cascade);
        var people = TinyCascade.People.Samples.GroupBy(s => s.Identity).Select(g => g.Select(s => s.Path).ToArray()).ToArray();
        var same = new List<double>();
        var different = new List<double>();
        foreach (var (images, p) in people.Select((images, p) => (images, p)))
        {
            same.Add(service.Verify(images[0], images[1], threshold: 0).Similarity);
            same.Add(service.Verify(images[2], images[3], threshold: 0).Similarity);
            different.Add(service.Verify(images[0], people[(p + 1) % people.Length][1], threshold: 0).Similarity);
            different.Add(service.Verify(images[2], people[(p + 3) % people.Length][3], threshold: 0).Similarity);
        }
        Assert.True(same.Average() > different.Average(), $"mean same-person cosine {same.Average():F3} <= different-person {different.Average():F3}");

        // The decision follows the threshold; a low-quality probe (8 px, restored by the SR model) still gives a cosine.
        var pair = service.Verify(people[0][0], people[0][1], threshold: 1);
        Assert.False(pair.Same);
        Assert.True(service.Verify(people[0][0], people[0][1], threshold: pair.Similarity).Same);
        var lowQuality = service.Verify(people[0][0], people[0][1], threshold: 0, probeSize: 8);
        Assert.InRange(lowQuality.Similarity, -1, 1);
        Assert.NotEqual(pair.Similarity, lowQuality.Similarity);
        Assert.Throws<ArgumentOutOfRangeException>(() => service.Verify(people[0][0], people[0][1], threshold: 1.5));
    }

    [Fact]
    public void Batched_embeddings_match_single_file_embeddings_and_the_cascade()
    {
        using var cascade = TinyCascade.Load();
        var embedder = new FaceEmbedder(cascade);
        var files = TinyCascade.People.Samples.Take(3).Select(s => s.Path).ToArray();
        var batched = embedder.EmbedFiles(files, probeSize: null, batchSize: 2);
        for (var i = 0; i < files.Length; i++)
        {
            AssertClose(embedder.EmbedFile(files[i]), batched[i]);
            // 250 px LFW files are sharp: the cascade's recogniser on the model's crop at S.
            using var scope = TorchSharp.torch.NewDisposeScope();
            var face = SrFace.Data.FaceCropper.CropAndResize(new SrFace.Imaging.FaceImageReader().Read(files[i]), cascade.Preprocessing, files[i]).unsqueeze(0);
            AssertClose(cascade.EmbedRecognizerOnly(face)[0].data<float>().ToArray(), batched[i]);
        }
        var degraded = embedder.EmbedFiles(files, probeSize: 8, batchSize: 2);
        AssertClose(embedder.EmbedFile(files[2], probeSize: 8), degraded[2]);
        Assert.All(degraded, e => Assert.Equal(embedder.EmbeddingDimension, e.Length));
    }

    [Fact]
    public void Concatenation_fusion_gives_sharp_and_low_quality_faces_one_width()
    {
        // Untrained weights do for widths and norms.
        using var trainer = new JointTrainer(TrainingFixtures.TinyOptions());
        using var cascade = trainer.ToCascade(SrFace.Data.FacePreprocessing.Lfw(32), FeatureFusion.Concatenate);
        var embedder = new FaceEmbedder(cascade);
        Assert.Equal(2 * cascade.EmbeddingSize, embedder.EmbeddingDimension);
        var file = TinyCascade.People.Samples[0].Path;
        var sharp = embedder.EmbedFile(file);
        var low = embedder.EmbedFile(file, probeSize: 8);
        Assert.Equal(embedder.EmbeddingDimension, sharp.Length);
        Assert.Equal(embedder.EmbeddingDimension, low.Length);
        Assert.Equal(1.0, Math.Sqrt(sharp.Sum(v => (double)v * v)), 4);
        Assert.Contains("/Concatenate sha256:", embedder.ModelId); // the fusion is part of the model id
    }

    [Fact]
    public void Model_id_survives_calibration_and_save_load_but_not_other_weights()
    {
        using var cascade = TinyCascade.Load();
        var id = FaceEmbedder.ModelIdOf(cascade);
        Assert.StartsWith("face-resnet18+fsrcnn/Mean sha256:", id);
        cascade.Calibrate(0.3);
        var path = Path.Combine(TestData.NewTempDir(), "calibrated.srface");
        cascade.Save(path);
        using var loaded = FaceRecognitionCascade.Load(path);
        Assert.Equal(id, FaceEmbedder.ModelIdOf(loaded));
        using (TorchSharp.torch.no_grad())
            loaded.Recognizer.parameters().First().add_(0.01f);
        Assert.NotEqual(id, FaceEmbedder.ModelIdOf(loaded));
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4, $"element {i}: {expected[i]} vs {actual[i]}");
    }
}
