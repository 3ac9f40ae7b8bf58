using SrFace.Data;
using SrFace.Recognition;

namespace SrFace.Tests.Recognition;

/// <summary>Enrolment, identification, deletion and probe-set evaluation through <see cref="FaceIdentification"/> with a real gallery file.</summary>
[Collection(TorchCollection.Name)]
public class FaceIdentificationGalleryTests
{
    private static string NewGalleryPath() => Path.Combine(TestData.NewTempDir(), "gallery.db");

    [Fact]
    public void Enrol_reopen_identify_and_delete_round_trip()
    {
        using var cascade = TinyCascade.Load();
        var service = new FaceIdentification(cascade);
        var path = NewGalleryPath();
        var people = TinyCascade.People;
        using (var gallery = service.OpenOrCreateGallery(path))
        {
            var enrolled = service.EnrollDataset(gallery, people, firstPerIdentity: 2);
            Assert.Equal(people.Identities, enrolled.Select(e => e.Identity));
            Assert.All(enrolled, e => Assert.Equal((2, 2), (e.Images, e.TotalImages)));
            Assert.Equal(service.Embedder.ModelId, gallery.ModelId);
            Assert.Equal(service.Embedder.EmbeddingDimension, gallery.EmbeddingDimension);
            // The stored sources are the first two files of each identity, in natural order.
            var first = people.Samples.Where(s => s.Identity == people.Identities[0]).Take(2).Select(s => s.Path);
            Assert.Equal(first, gallery.Embeddings(people.Identities[0]).Select(e => e.Source));
        }

        using (var gallery = service.OpenGallery(path))
        {
            Assert.Equal(people.Identities.Count, gallery.Count);
            var probe = people.Samples.First(s => s.Identity == people.Identities[3]).Path;
            var result = service.Identify(gallery, [probe], topK: people.Identities.Count, openSetThreshold: double.NegativeInfinity)[0];
            Assert.Equal(people.Identities.Order(StringComparer.Ordinal), result.Candidates.Select(c => c.Identity).Order(StringComparer.Ordinal));
            Assert.Equal(result.Candidates.Select(c => c.Score).OrderDescending(), result.Candidates.Select(c => c.Score));
            // An enrolled image scores highest against its own identity's template of two images.
            Assert.Equal(people.Identities[3], result.Identity);

            // Adding keeps the earlier images, replacing drops them.
            var again = service.EnrollDataset(gallery, people, firstPerIdentity: 1);
            Assert.All(again, e => Assert.Equal(3, e.TotalImages));
            var replaced = service.EnrollDataset(gallery, people, firstPerIdentity: 1, replace: true);
            Assert.All(replaced, e => Assert.Equal(1, e.TotalImages));

            Assert.True(gallery.Delete(people.Identities[3]));
            Assert.False(gallery.Delete(people.Identities[3]));
            Assert.Equal(people.Identities.Count - 1, gallery.Count);
            var after = service.Identify(gallery, [probe], topK: 50, openSetThreshold: double.NegativeInfinity)[0];
            Assert.DoesNotContain(people.Identities[3], after.Candidates.Select(c => c.Identity));
        }
    }

    [Fact]
    public void Enrolment_stops_before_writing_on_an_unreadable_image_or_skips_it_when_asked()
    {
        using var cascade = TinyCascade.Load();
        var service = new FaceIdentification(cascade);
        var root = TinyCascade.IdentityFolders(2);
        var (first, second) = (Directory.GetDirectories(root).Order().First(), Directory.GetDirectories(root).Order().Last());
        File.WriteAllText(Path.Combine(first, "zz_broken.jpg"), "not a JPEG");                  // one bad image among good ones
        foreach (var image in Directory.GetFiles(second)) File.Delete(image);
        File.WriteAllBytes(Path.Combine(second, "only.jpg"), []);                                 // an identity with nothing usable
        var people = FaceDataset.FromIdentityFolders(root);

        using var gallery = service.OpenOrCreateGallery(NewGalleryPath());
        Assert.ThrowsAny<IOException>(() => service.EnrollDataset(gallery, people));
        Assert.Equal(0, gallery.Count);                                                           // nothing written

        var skipped = new List<SkippedImage>();
        var enrolled = service.EnrollDataset(gallery, people, skipped: skipped);
        Assert.Equal([Path.GetFileName(first)], enrolled.Select(e => e.Identity));
        Assert.Equal(people.Samples.Count(s => s.Identity == Path.GetFileName(first)) - 1, enrolled[0].Images);
        Assert.Equal(new[] { "zz_broken.jpg", "only.jpg" }.Order(), skipped.Select(s => Path.GetFileName(s.Path)).Order());
        Assert.All(skipped, s => Assert.Contains(s.Path, s.Reason));
        Assert.Equal(1, gallery.Count);
    }

    [Fact]
    public void Probe_set_evaluation_counts_every_probe_after_the_enrolled_ones()
    {
        using var cascade = TinyCascade.Load();
        var service = new FaceIdentification(cascade);
        var people = TinyCascade.People;
        using var gallery = service.OpenOrCreateGallery(NewGalleryPath());
        service.EnrollDataset(gallery, people, firstPerIdentity: 2);

        var closed = service.EvaluateProbes(gallery, people, skipFirst: 2, openSetThreshold: double.NegativeInfinity, maxRank: people.Identities.Count);
        Assert.Equal(people.Count - 2 * people.Identities.Count, closed.Probes.Count);
        Assert.DoesNotContain(closed.Probes, p => people.Samples.Where(s => s.Identity == p.TrueIdentity).Take(2).Any(s => s.Path == p.Path));
        Assert.Equal(closed.Cmc.Order(), closed.Cmc);             // non-decreasing
        Assert.Equal(1.0, closed.Cmc[^1]);                         // every identity is enrolled: all hit within rank 8
        Assert.Equal(closed.Probes.Count(p => p.IsRank1Hit) / (double)closed.Probes.Count, closed.Rank1, 12);
        Assert.Equal(0, closed.UnknownCount);
        Assert.Equal(closed.Rank1, closed.DetectionAndIdentificationRate, 12);

        // Above every possible cosine: all unknown, nothing accepted, the closed-set ranks unchanged.
        var strict = service.EvaluateProbes(gallery, people, skipFirst: 2, openSetThreshold: 1.01, maxRank: 5);
        Assert.Equal(strict.Probes.Count, strict.UnknownCount);
        Assert.Equal(0, strict.DetectionAndIdentificationRate);
        Assert.Equal(closed.Rank1, strict.Rank1, 12);
        Assert.Throws<InvalidDataException>(() => service.EvaluateProbes(gallery, people, skipFirst: 4, openSetThreshold: 0));
    }

    [Fact]
    public void A_gallery_of_another_model_or_a_corrupt_file_is_refused()
    {
        using var cascade = TinyCascade.Load();
        var service = new FaceIdentification(cascade);
        var other = NewGalleryPath();
        FaceGallery.Create(other, "another-model", service.Embedder.EmbeddingDimension).Dispose();
        var e = Assert.Throws<InvalidOperationException>(() => service.OpenGallery(other));
        Assert.Contains("another-model", e.Message);
        Assert.Throws<InvalidOperationException>(() => service.OpenOrCreateGallery(other));

        var corrupt = NewGalleryPath();
        File.WriteAllText(corrupt, "this is not a database, just some text that is long enough to be read as a header.......");
        var format = Assert.Throws<GalleryFormatException>(() => service.OpenOrCreateGallery(corrupt));
        Assert.Contains(corrupt, format.Message);
    }
}
