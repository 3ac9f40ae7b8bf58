using SrFace.Recognition;

namespace SrFace.Tests.Recognition.Galleries;

/// <summary>
/// The one gallery suite, run against every backend: SQLite (exact search) and PostgreSQL + pgvector (HNSW search).
/// PostgreSQL cases skip, loudly, only when scripts/postgres.sh could not start a database.
/// </summary>
public class GalleryStoreContractTests
{
    private static (string, float[])[] Images(params float[][] embeddings) =>
        embeddings.Select((e, i) => ($"img{i}.jpg", e)).ToArray();

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void Enroll_list_identify_and_reopen_round_trip(string backend)
    {
        using var b = TestGalleries.Of(backend);
        var address = b.NewGalleryAddress();
        using (var gallery = FaceGallery.Create(address, "test-model", 3))
        {
            gallery.Enroll("alice", Images([1, 0, 0], [2, 0.2f, 0]));
            gallery.Enroll("bob", Images([0, 1, 0]));
            gallery.Enroll("carol", Images([0, 0, 5]));
            Assert.Equal(3, gallery.Count);
            Assert.Equal([new GalleryIdentity("alice", 2), new GalleryIdentity("bob", 1), new GalleryIdentity("carol", 1)], gallery.ListIdentities());

            var result = gallery.Identify([0, 0.8f, 0.6f], topK: 2, openSetThreshold: 0.5);
            Assert.Equal(["bob", "carol"], result.Candidates.Select(c => c.Identity));
            Assert.Equal(0.8, result.Candidates[0].Score, 5);
            Assert.Equal(0.6, result.Candidates[1].Score, 5);
            Assert.Equal("bob", result.Identity);
        }

        using var reopened = FaceGallery.Open(address);
        Assert.Equal(("test-model", 3, 3), (reopened.ModelId, reopened.EmbeddingDimension, reopened.Count));
        Assert.Equal(["img0.jpg", "img1.jpg"], reopened.Embeddings("alice").Select(e => e.Source));
        Assert.Equal([2f, 0.2f, 0f], reopened.Embeddings("alice")[1].Embedding); // stored as given
        Assert.Empty(reopened.Embeddings("nobody"));
        var all = reopened.Identify([1, 0.05f, 0], topK: 10, openSetThreshold: 0.5);
        Assert.Equal(["alice", "bob", "carol"], all.Candidates.Select(c => c.Identity));
        Assert.DoesNotContain("password", reopened.Location, StringComparison.OrdinalIgnoreCase);
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void Template_is_the_renormalised_mean_and_unknown_is_decided_by_the_threshold(string backend)
    {
        using var b = TestGalleries.Of(backend);
        using var gallery = FaceGallery.Create(b.NewGalleryAddress(), "m", 2);
        Assert.True(gallery.Identify([1, 0], 5, 0.3).IsUnknown); // empty gallery
        Assert.Empty(gallery.Identify([1, 0], 5, 0.3).Candidates);
        gallery.Enroll("x", Images([10, 0], [0, 0.1f]));           // unit mean (1,1)/sqrt2 whatever the scales
        Assert.Equal(1.0, gallery.Identify([1, 1], 1, 0).Candidates[0].Score, 6);
        gallery.Enroll("a", Images([1, 0]));
        var result = gallery.Identify([0.6f, 0.8f], 5, 0.99);
        Assert.True(result.IsUnknown);
        Assert.Null(result.Identity);
        Assert.Equal("x", result.Candidates[0].Identity);
        Assert.False(gallery.Identify([1, 0], 5, 1.0 - 1e-9).IsUnknown);
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void Reenrol_replaces_or_appends_and_delete_removes(string backend)
    {
        using var b = TestGalleries.Of(backend);
        var address = b.NewGalleryAddress();
        using (var gallery = FaceGallery.Create(address, "m", 2))
        {
            gallery.Enroll("a", Images([1, 0], [1, 0.1f]));
            gallery.Enroll("b", Images([0, 1]));
            gallery.Enroll("a", Images([-1, 0]));
            Assert.Equal(1, gallery.ListIdentities().Single(i => i.Name == "a").ImageCount);
            Assert.Equal(-1.0, gallery.Identify([1, 0], 2, 0).Candidates.Single(c => c.Identity == "a").Score, 6);
            gallery.Enroll("a", Images([-1, 0.2f]), replace: false);
            Assert.Equal(2, gallery.Embeddings("a").Count);

            Assert.True(gallery.Delete("b"));
            Assert.False(gallery.Delete("b"));
            Assert.Equal(["a"], gallery.ListIdentities().Select(i => i.Name));
            Assert.Equal(["a"], gallery.Identify([0, 1], 5, 0).Candidates.Select(c => c.Identity));
        }
        using var reopened = FaceGallery.Open(address);
        Assert.Equal(1, reopened.Count);
        Assert.Empty(reopened.Embeddings("b"));
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void Bad_embeddings_are_refused_and_nothing_is_half_written(string backend)
    {
        using var b = TestGalleries.Of(backend);
        var address = b.NewGalleryAddress();
        using var gallery = FaceGallery.Create(address, "r18-512", 4);
        var e = Assert.Throws<ArgumentException>(() => gallery.Enroll("a", Images([1, 0, 0])));
        Assert.Contains(gallery.Location, e.Message);
        Assert.Contains("4-dimensional", e.Message);
        Assert.Throws<ArgumentException>(() => gallery.Identify([1, 0], 1, 0));
        Assert.Throws<ArgumentException>(() => gallery.Enroll("a", Images([0, 0, 0, 0])));
        Assert.Throws<ArgumentException>(() => gallery.Enroll("a", Images([1, 0, 0, 0], [float.NaN, 0, 0, 1])));
        Assert.Throws<ArgumentException>(() => gallery.Enroll("a", Images([1, 0, 0, 0], [-1, 0, 0, 0]))); // cancel out
        Assert.Throws<ArgumentException>(() => gallery.Enroll(" ", Images([1, 0, 0, 0])));
        Assert.Equal(0, gallery.Count);
        Assert.Empty(gallery.ListIdentities());
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void Create_refuses_an_existing_gallery_and_open_a_missing_one(string backend)
    {
        using var b = TestGalleries.Of(backend);
        var address = b.NewGalleryAddress();
        Assert.False(GalleryAddress.Parse(address).Exists());
        FaceGallery.Create(address, "m", 2).Dispose();
        Assert.True(GalleryAddress.Parse(address).Exists());
        Assert.Throws<IOException>(() => FaceGallery.Create(address, "m", 2));
        Assert.Throws<FileNotFoundException>(() => FaceGallery.Open(b.NewGalleryAddress()));
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void Search_matches_brute_force_on_a_few_hundred_identities(string backend)
    {
        using var b = TestGalleries.Of(backend);
        const int people = 300, dim = 16;
        var random = new Random(11);
        var templates = Enumerable.Range(0, people).Select(_ => Unit(Enumerable.Range(0, dim).Select(_ => (float)random.NextGaussian()).ToArray())).ToArray();
        using var gallery = FaceGallery.Create(b.NewGalleryAddress(), "m", dim);
        for (var i = 0; i < people; i++) gallery.Enroll($"p{i:D3}", [("x", templates[i])]);
        for (var q = 0; q < 20; q++)
        {
            // A probe near one identity: its own template plus a little noise.
            var target = random.Next(people);
            var probe = Unit(templates[target].Select(v => v + 0.05f * (float)random.NextGaussian()).ToArray());
            var brute = templates.Select((t, i) => (Name: $"p{i:D3}", Score: Dot(probe, t))).OrderByDescending(x => x.Score).Take(5).ToArray();
            var found = gallery.Identify(probe, 5, 0).Candidates;
            Assert.Equal(brute[0].Name, found[0].Identity);
            Assert.Equal(brute[0].Score, found[0].Score, 5); // scores are exact cosines in both stores
            Assert.Equal(found.Select(c => c.Score).OrderDescending(), found.Select(c => c.Score));
        }
        Assert.Equal(people, gallery.Identify(templates[0], 1000, 0).Candidates.Count);     // within ef_search
        Assert.Equal(people, gallery.Identify(templates[0], 5000, 0).Candidates.Count);     // beyond: exact scan
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void Equal_scores_are_ordered_by_name(string backend)
    {
        using var b = TestGalleries.Of(backend);
        using var gallery = FaceGallery.Create(b.NewGalleryAddress(), "m", 2);
        foreach (var name in new[] { "d", "b", "c", "a" }) gallery.Enroll(name, Images([1, 1]));
        gallery.Enroll("z", Images([1, 0]));
        Assert.Equal(["a", "b", "c"], gallery.Identify([1, 1], 3, 0).Candidates.Select(c => c.Identity));
    }

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void Concurrent_enrolments_through_separate_connections_lose_nothing_and_are_seen_by_search(string backend)
    {
        using var b = TestGalleries.Of(backend);
        var address = b.NewGalleryAddress();
        using var reader = FaceGallery.Create(address, "m", 3);
        Assert.Empty(reader.Identify([1, 0, 0], 5, 0).Candidates);
        const int clients = 8, rounds = 5;
        Parallel.For(0, clients, new ParallelOptions { MaxDegreeOfParallelism = clients }, client =>
        {
            using var gallery = FaceGallery.Open(address);
            for (var r = 0; r < rounds; r++)
            {
                gallery.Enroll($"own-{client}-{r}", Images([1, client, r]));
                gallery.Enroll("shared", Images([0, 0, 1 + client]), replace: false); // appends to one identity from every client
            }
        });
        Assert.Equal(clients * rounds + 1, reader.Count);
        Assert.Equal(clients * rounds, reader.Embeddings("shared").Count);
        Assert.Equal(clients * rounds, reader.ListIdentities().Single(i => i.Name == "shared").ImageCount);
        // The reader's search sees what the other connections committed.
        Assert.Equal("shared", reader.Identify([0, 0, 1], 1, 0).Identity);
        Assert.Equal(clients * rounds + 1, reader.Identify([1, 0, 0], 1000, -1).Candidates.Count);
    }

    private static float[] Unit(float[] v)
    {
        var n = (float)Math.Sqrt(v.Sum(x => (double)x * x));
        return v.Select(x => x / n).ToArray();
    }

    private static double Dot(float[] a, float[] b) => a.Select((x, i) => (double)x * b[i]).Sum();
}

/// <summary>Gaussian samples for synthetic embeddings.</summary>
internal static class RandomExtensions
{
    /// <summary>A standard normal sample (Box-Muller).</summary>
    public static double NextGaussian(this Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
