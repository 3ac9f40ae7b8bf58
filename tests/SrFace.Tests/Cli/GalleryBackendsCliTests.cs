using SrFace.Recognition;
using SrFace.Tests.Recognition;
using SrFace.Tests.Recognition.Galleries;

namespace SrFace.Tests.Cli;

/// <summary>enroll, gallery list/delete and identify with <c>--gallery sqlite:PATH</c> and <c>--gallery postgres://...</c>.</summary>
[Collection(TorchCollection.Name)]
public class GalleryBackendsCliTests
{
    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void Enrol_list_identify_and_delete_through_a_connection_string(string backend)
    {
        using var b = TestGalleries.Of(backend);
        var address = b.NewGalleryAddress();
        var folders = TinyCascade.IdentityFolders(3);
        Assert.Equal(0, RecognitionCliHarness.Run("enroll", folders, "--gallery", address, "--model", TinyCascade.ModelPath, "--first", "2"));
        Assert.Equal(0, RecognitionCliHarness.Run("gallery", "list", "--gallery", address));
        var people = Directory.GetDirectories(folders).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal).ToArray();
        var probe = Directory.GetFiles(Path.Combine(folders, people[1])).Order(StringComparer.Ordinal).First();
        Assert.Equal(0, RecognitionCliHarness.Run("identify", probe, "--gallery", address, "--model", TinyCascade.ModelPath));
        Assert.Equal(0, RecognitionCliHarness.Run("gallery", "delete", people[0], "--gallery", address));
        Assert.Equal(1, RecognitionCliHarness.Run("gallery", "delete", people[0], "--gallery", address));
        using (var gallery = FaceGallery.Open(address))
        {
            Assert.Equal(people[1..], gallery.ListIdentities().Select(i => i.Name));
            Assert.All(gallery.ListIdentities(), i => Assert.Equal(2, i.ImageCount));
        }
        Assert.Equal(2, RecognitionCliHarness.Run("gallery", "list", "--gallery", b.NewGalleryAddress())); // missing gallery
    }

    [Fact]
    public void A_malformed_or_unreachable_gallery_address_is_a_one_line_error()
    {
        Assert.Equal(2, RecognitionCliHarness.Run("gallery", "list", "--gallery", "mysql://u:p@h/db"));
        // Nothing listens on port 1: the connection error names the database but not the password.
        Assert.Equal(2, RecognitionCliHarness.Run("gallery", "list", "--gallery", "postgres://u:secret@127.0.0.1:1/db?timeout=2"));
    }
}
