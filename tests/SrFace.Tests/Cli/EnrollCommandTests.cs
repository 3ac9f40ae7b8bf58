using SrFace.Cli.Commands;
using SrFace.Recognition;
using SrFace.Tests.Recognition;

namespace SrFace.Tests.Cli;

[Collection(TorchCollection.Name)]
public class EnrollCommandTests
{
    [Fact]
    public void Parses_folder_gallery_model_and_options()
    {
        var s = RecognitionCliHarness.Parse<EnrollCommand.Settings>("enroll", "orl", "--gallery", "g.db", "--model", "m.srface",
            "--first", "5", "--replace", "--crop-fraction", "1.0");
        Assert.Equal(("orl", "g.db", "m.srface", 5, true, 1.0), (s.Directory, s.Gallery, s.Model, s.First, s.Replace, s.CropFraction));
        var alias = RecognitionCliHarness.Parse<EnrollCommand.Settings>("enroll", "lfw", "-g", "g.db", "-m", "m.srface", "--images-per-identity", "3");
        Assert.Equal((3, false, null), (alias.First, alias.Replace, alias.CropFraction));
        Assert.Equal(2, RecognitionCliHarness.Run("enroll", "lfw", "--model", "m.srface"));                       // no --gallery
        Assert.Equal(2, RecognitionCliHarness.Run("enroll", "lfw", "-g", "g.db", "-m", "m.srface", "--first", "0"));
    }

    [Fact]
    public void Enrols_the_first_images_of_each_identity_and_adds_or_replaces()
    {
        var folders = TinyCascade.IdentityFolders(3);
        var path = Path.Combine(TestData.NewTempDir(), "sub", "g.db");
        Assert.Equal(0, RecognitionCliHarness.Run("enroll", folders, "--gallery", path, "--model", TinyCascade.ModelPath, "--first", "2"));
        using (var gallery = FaceGallery.Open(path))
        {
            Assert.Equal(Directory.GetDirectories(folders).Select(Path.GetFileName).Order(StringComparer.Ordinal), gallery.ListIdentities().Select(i => i.Name));
            Assert.All(gallery.ListIdentities(), i => Assert.Equal(2, i.ImageCount));
        }
        Assert.Equal(0, RecognitionCliHarness.Run("enroll", folders, "--gallery", path, "--model", TinyCascade.ModelPath, "--first", "1"));
        using (var gallery = FaceGallery.Open(path))
            Assert.All(gallery.ListIdentities(), i => Assert.Equal(3, i.ImageCount));
        Assert.Equal(0, RecognitionCliHarness.Run("enroll", folders, "--gallery", path, "--model", TinyCascade.ModelPath, "--replace"));
        using (var gallery = FaceGallery.Open(path))
            Assert.All(gallery.ListIdentities(), i => Assert.Equal(4, i.ImageCount));
        Assert.Equal(2, RecognitionCliHarness.Run("enroll", Path.Combine(folders, "missing"), "--gallery", path, "--model", TinyCascade.ModelPath));
    }

    [Fact]
    public void Skip_failed_enrols_the_readable_images_and_fails_when_none_is()
    {
        var folders = TinyCascade.IdentityFolders(2);
        var first = Directory.GetDirectories(folders).Order().First();
        File.WriteAllText(Path.Combine(first, "broken.jpg"), "not a JPEG");
        var path = Path.Combine(TestData.NewTempDir(), "g.db");
        Assert.Equal(2, RecognitionCliHarness.Run("enroll", folders, "--gallery", path, "--model", TinyCascade.ModelPath));
        Assert.False(File.Exists(path), "a failed enrolment left the gallery file it created");
        Assert.Equal(0, RecognitionCliHarness.Run("enroll", folders, "--gallery", path, "--model", TinyCascade.ModelPath, "--skip-failed"));
        using (var gallery = FaceGallery.Open(path))
            Assert.Equal(new[] { 4, 4 }, gallery.ListIdentities().Select(i => i.ImageCount));

        // A model whose every embedding is NaN: everything is skipped, which is an error, not an empty success.
        var other = Path.Combine(TestData.NewTempDir(), "g.db");
        Assert.Equal(2, RecognitionCliHarness.Run("enroll", folders, "--gallery", other, "--model", TinyCascade.OverflowingModelPath, "--skip-failed"));
        Assert.False(File.Exists(other));
    }
}
