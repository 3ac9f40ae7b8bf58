using Microsoft.Data.Sqlite;
using SrFace.Recognition;

namespace SrFace.Tests.Recognition;

/// <summary>SQLite-file specific gallery cases; the behaviour every backend shares is in <see cref="Galleries.GalleryStoreContractTests"/>.</summary>
public class FaceGalleryTests
{
    private static string NewPath() => Path.Combine(TestData.NewTempDir(), "gallery.db");

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
}
