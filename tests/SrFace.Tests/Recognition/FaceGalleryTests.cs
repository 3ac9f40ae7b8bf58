using Microsoft.Data.Sqlite;
using SrFace.Recognition;

namespace SrFace.Tests.Recognition;

public class FaceGalleryTests
{
    private static string NewPath() => Path.Combine(TestData.NewTempDir(), "gallery.db");

    private static (string, float[])[] Images(params float[][] embeddings) =>
        embeddings.Select((e, i) => ($"img{i}.jpg", e)).ToArray();

    [Fact]
    public void Enroll_list_identify_and_reopen_round_trip()
    {
        var path = NewPath();
        using (var gallery = FaceGallery.Create(path, "test-model", 3))
        {
            gallery.Enroll("alice", Images([1, 0, 0], [2, 0.2f, 0]));
            gallery.Enroll("bob", Images([0, 1, 0]));
            gallery.Enroll("carol", Images([0, 0, 5]));
            Assert.Equal(3, gallery.Count);
            Assert.Equal([new GalleryIdentity("alice", 2), new GalleryIdentity("bob", 1), new GalleryIdentity("carol", 1)], gallery.ListIdentities());

            // Probe between bob and carol, closer to bob; alice is orthogonal-ish.
            var result = gallery.Identify([0, 0.8f, 0.6f], topK: 2, openSetThreshold: 0.5);
            Assert.Equal(["bob", "carol"], result.Candidates.Select(c => c.Identity));
            Assert.Equal(0.8, result.Candidates[0].Score, 5);
            Assert.Equal(0.6, result.Candidates[1].Score, 5);
            Assert.False(result.IsUnknown);
            Assert.Equal("bob", result.Identity);
        }

        using (var reopened = FaceGallery.Open(path))
        {
            Assert.Equal("test-model", reopened.ModelId);
            Assert.Equal(3, reopened.EmbeddingDimension);
            Assert.Equal(3, reopened.Count);
            Assert.Equal(["img0.jpg", "img1.jpg"], reopened.Embeddings("alice").Select(e => e.Source));
            Assert.Equal([2f, 0.2f, 0f], reopened.Embeddings("alice")[1].Embedding); // stored as given
            var all = reopened.Identify([1, 0.05f, 0], topK: 10, openSetThreshold: 0.5);
            Assert.Equal(["alice", "bob", "carol"], all.Candidates.Select(c => c.Identity));
        }
    }

    [Fact]
    public void Template_is_the_renormalised_mean_of_unit_embeddings()
    {
        using var gallery = FaceGallery.Create(NewPath(), "m", 2);
        // Unit vectors (1,0) and (0,1) -> mean (0.5, 0.5) -> template (1,1)/sqrt2, whatever the input scales.
        gallery.Enroll("x", Images([10, 0], [0, 0.1f]));
        var score = gallery.Identify([1, 1], 1, 0).Candidates[0].Score;
        Assert.Equal(1.0, score, 6);
    }

    [Fact]
    public void Unknown_when_best_score_is_below_threshold_or_gallery_empty()
    {
        using var gallery = FaceGallery.Create(NewPath(), "m", 2);
        Assert.True(gallery.Identify([1, 0], 5, 0.3).IsUnknown);
        gallery.Enroll("a", Images([1, 0]));
        var result = gallery.Identify([0.6f, 0.8f], 5, 0.7); // cosine 0.6 < 0.7
        Assert.True(result.IsUnknown);
        Assert.Null(result.Identity);
        Assert.Equal("a", result.Candidates[0].Identity);
        Assert.False(gallery.Identify([0.6f, 0.8f], 5, 0.6).IsUnknown); // equal to threshold is accepted
    }

    [Fact]
    public void Reenrol_replaces_or_appends_and_delete_removes()
    {
        var path = NewPath();
        using (var gallery = FaceGallery.Create(path, "m", 2))
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
        using var reopened = FaceGallery.Open(path);
        Assert.Equal(1, reopened.Count);
        Assert.Empty(reopened.Embeddings("b"));
    }

    [Fact]
    public void Embeddings_of_another_dimension_are_refused_with_the_gallery_named()
    {
        var path = NewPath();
        using var gallery = FaceGallery.Create(path, "r18-512", 4);
        var e = Assert.Throws<ArgumentException>(() => gallery.Enroll("a", Images([1, 0, 0])));
        Assert.Contains(path, e.Message);
        Assert.Contains("4-dimensional", e.Message);
        Assert.Throws<ArgumentException>(() => gallery.Identify([1, 0], 1, 0));
        Assert.Throws<ArgumentException>(() => gallery.Enroll("a", Images([0, 0, 0, 0])));
        Assert.Throws<ArgumentException>(() => gallery.Enroll("a", Images([float.NaN, 0, 0, 1])));
        Assert.Throws<ArgumentException>(() => gallery.Enroll(" ", Images([1, 0, 0, 0])));
        Assert.Equal(0, gallery.Count); // nothing half-written
    }

    [Fact]
    public void Garbage_file_is_a_gallery_format_error_naming_the_file()
    {
        var path = NewPath();
        File.WriteAllBytes(path, Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 % 251)).ToArray());
        var e = Assert.Throws<GalleryFormatException>(() => FaceGallery.Open(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Sqlite_file_without_our_schema_or_with_a_newer_version_is_refused()
    {
        var foreign = NewPath();
        using (var c = new SqliteConnection($"Data Source={foreign};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE people (name TEXT)";
            cmd.ExecuteNonQuery();
        }
        Assert.Contains("not an SrFace gallery", Assert.Throws<GalleryFormatException>(() => FaceGallery.Open(foreign)).Message);

        var newer = NewPath();
        FaceGallery.Create(newer, "m", 2).Dispose();
        using (var c = new SqliteConnection($"Data Source={newer};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"UPDATE gallery_meta SET value = '{SqliteGalleryStore.FormatVersion + 1}' WHERE key = 'format_version'";
            cmd.ExecuteNonQuery();
        }
        Assert.Contains("newer", Assert.Throws<GalleryFormatException>(() => FaceGallery.Open(newer)).Message);
    }

    [Fact]
    public void Create_refuses_an_existing_file_and_open_a_missing_one()
    {
        var path = NewPath();
        FaceGallery.Create(path, "m", 2).Dispose();
        Assert.Throws<IOException>(() => FaceGallery.Create(path, "m", 2));
        Assert.Throws<FileNotFoundException>(() => FaceGallery.Open(path + ".missing"));
    }
}
