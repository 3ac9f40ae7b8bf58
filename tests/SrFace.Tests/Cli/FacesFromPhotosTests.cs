using SkiaSharp;

namespace SrFace.Tests.Cli;

/// <summary>
/// Faces from real photos through <c>srface verify</c> and <c>identify</c> with the pretrained recogniser (detection,
/// landmarks, alignment): photos made in a temporary folder from LFW faces (<see cref="FacePhotos"/>), with the outcomes
/// the README documents (no face, several faces, a small tilted face in an EXIF-rotated photo).
/// </summary>
[Collection(TorchCollection.Name)]
public class FacesFromPhotosTests
{
    // dlib-resnet has no calibrated cosine threshold in the catalogue yet: 0.9 lies between the same-person (about
    // 0.95) and different-person (about 0.80-0.84) cosines of these LFW photos.
    private const string Threshold = "0.9";

    [Fact]
    public void A_small_tilted_face_in_an_exif_rotated_photo_is_found_aligned_and_verified()
    {
        var photo = FacePhotos.SmallTiltedFaceExif6(TestData.NewTempDir(), FacePhotos.Lfw("George_W_Bush", 2), faceWidth: 50, degrees: 15, new SKPoint(900, 260));
        var (code, output) = PretrainedCli.Run("verify", photo, FacePhotos.Lfw("George_W_Bush", 10), "--threshold", Threshold, "--json");
        Assert.True(code == 0, output);
        var json = PretrainedCli.Json(output);
        Assert.True((bool)json["same"]!);
        var a = json["images"]![0]!;
        Assert.Equal((photo, 1, "aligned"), ((string)a["file"]!, (int)a["facesFound"]!, (string)a["framing"]!));
        // Pixels of the upright photo (EXIF orientation 6 applied): the face was pasted centred at (900, 260) of 1280x720.
        var box = a["box"]!;
        Assert.InRange((double)box["x"]! + (double)box["width"]! / 2, 870, 930);
        Assert.InRange((double)box["y"]! + (double)box["height"]! / 2, 230, 290);
        Assert.InRange((double)box["width"]!, 35, 110);
        var landmarks = a["landmarks"]!.AsArray();
        Assert.Equal(68, landmarks.Count);
        Assert.All(landmarks, p => Assert.InRange((double)p![0]!, 830, 970));
        Assert.NotNull((string?)a["detector"]);
        Assert.Null(a["fallback"]);
        // Not any face passes: another person is "different" (exit 1) at the same threshold.
        Assert.Equal(1, PretrainedCli.Run("verify", photo, FacePhotos.Lfw("Colin_Powell", 1), "--threshold", Threshold).Code);
    }

    [Fact]
    public void An_image_without_a_face_is_an_error_never_a_similarity()
    {
        var blank = FacePhotos.Blank(TestData.NewTempDir());
        var (code, output) = PretrainedCli.Run("verify", FacePhotos.Lfw("Colin_Powell", 1), blank, "--threshold", Threshold, "--json");
        Assert.Equal(2, code);
        Assert.Contains($"no face found in {blank}", output);
        Assert.DoesNotContain("similarity", output);
    }

    [Fact]
    public void With_two_faces_the_largest_is_used_and_identify_all_faces_lists_both()
    {
        var dir = TestData.NewTempDir();
        var photo = FacePhotos.TwoFaces(dir, FacePhotos.Lfw("Colin_Powell", 1), FacePhotos.Lfw("Serena_Williams", 1));
        var (code, output) = PretrainedCli.Run("verify", photo, FacePhotos.Lfw("Colin_Powell", 2), "--threshold", Threshold);
        Assert.True(code == 0, output);                                   // the larger face, Colin Powell's, was used
        Assert.Contains("A: 2 faces found, using the largest: box x ", output);

        var people = PretrainedCli.IdentityFolders(Path.Combine(dir, "people"),
            [("Colin_Powell", 3, "a.jpg"), ("Colin_Powell", 4, "b.jpg"), ("Serena_Williams", 2, "a.jpg"), ("Serena_Williams", 3, "b.jpg")]);
        var gallery = Path.Combine(dir, "g.db");
        Assert.Equal(0, PretrainedCli.Run("enroll", people, "--gallery", gallery).Code);

        (code, output) = PretrainedCli.Run("identify", photo, "--gallery", gallery, "--threshold", Threshold, "--all-faces", "--json");
        Assert.True(code == 0, output);
        var probe = PretrainedCli.Json(output)["probes"]![0]!;
        Assert.Equal((2, "2 faces found, identifying each"), ((int)probe["facesFound"]!, (string)probe["note"]!));
        var faces = probe["faces"]!.AsArray();
        Assert.Equal(2, faces.Count);
        Assert.Equal(["Colin_Powell", "Serena_Williams"], faces.Select(f => (string)f!["identity"]!));
        double CentreX(int i) => (double)faces[i]!["box"]!["x"]! + (double)faces[i]!["box"]!["width"]! / 2;
        Assert.True(CentreX(0) < 400 && CentreX(1) > 400, $"face centres {CentreX(0)}, {CentreX(1)}");
        Assert.All(faces, f => Assert.Equal(68, f!["landmarks"]!.AsArray().Count));

        (code, output) = PretrainedCli.Run("identify", photo, "--gallery", gallery, "--threshold", Threshold);
        Assert.True(code == 0, output);
        Assert.Contains("2 faces found, using the largest", output);
        Assert.Contains("Colin_Powell", output.Split("Serena_Williams")[0]);  // rank 1 of the one face identified
        var blank = FacePhotos.Blank(dir);
        (code, output) = PretrainedCli.Run("identify", blank, "--gallery", gallery);
        Assert.Equal(2, code);
        Assert.Contains($"no face found in {blank}", output);
    }
}
