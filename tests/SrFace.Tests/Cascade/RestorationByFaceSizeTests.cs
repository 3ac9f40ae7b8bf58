using SkiaSharp;
using SrFace.Cascade;
using SrFace.Cli.Reporting;
using SrFace.Imaging;
using SrFace.Models;
using SrFace.Models.Pretrained;
using SrFace.Recognition;
using SrFace.Tests.Cli;
using SrFace.Tests.Models.Pretrained;
using static TorchSharp.torch;

namespace SrFace.Tests.Cascade;

/// <summary>
/// Issue 8 item 2: the cascade decides from the face's size in the photo whether a probe is low quality and must be
/// restored. A real LFW face pasted about 50 px wide into a 1280x720 photo goes through restoration and fusion; the
/// full-size LFW photo (face box about 117 px, 176 px once framed as dlib's chip, above S = 150) goes through the
/// recogniser alone. The limit is read from the model file; a model without SR never restores.
/// </summary>
[Collection(TorchCollection.Name)]
public class RestorationByFaceSizeTests
{
    private static readonly string FullSize = FacePhotos.Lfw("George_W_Bush", 2);

    [Fact]
    public void A_small_face_in_a_photo_is_restored_and_fused_and_the_full_size_face_is_not()
    {
        var store = PretrainedStore.Open();
        var dir = TestData.NewTempDir();
        var small = FacePhotos.SmallTiltedFaceExif6(dir, FullSize, faceWidth: 50, degrees: 15, new SKPoint(900, 260));
        using var cascade = DlibWithSuperResolution(store, dir, restorationLimit: null);
        Assert.Equal(CascadeManifest.DefaultRestorationLimit, cascade.RestorationLimit);
        var embedder = new FaceEmbedder(cascade);
        var faces = embedder.EmbedFaces([small, FullSize]);

        // The decision follows the box side: below S / 1.5 = 100 px (dlib's chip is 1.5 box sides) restore, above do not.
        var (restored, sharp) = (faces[0], faces[1]);
        Assert.True(restored.Restored, $"face side {restored.FaceSidePx}");
        Assert.InRange(restored.FaceSidePx, 20, 100);
        Assert.False(sharp.Restored, $"face side {sharp.FaceSidePx}");
        Assert.InRange(sharp.FaceSidePx, 100, 250);
        Assert.Equal(Math.Sqrt(restored.Face!.Box.Width * restored.Face.Box.Height), restored.FaceSidePx, 6);

        // Restoration really ran: the embedding is the fused one of the prepared chip, not the recogniser's alone.
        using (var scope = NewDisposeScope())
        {
            var image = new FaceImageReader().Read(small);
            var chip = embedder.PrepareImageFace(image, small).Chip.unsqueeze(0);
            Assert.True(chip.shape[2] < cascade.InputSize);
            var fused = cascade.Embed(chip, restore: true).data<float>().ToArray();
            var alone = cascade.Embed(chip, restore: false).data<float>().ToArray();
            Assert.True(EmbeddingMath.Cosine(restored.Embedding, fused) > 0.99999);
            Assert.True(EmbeddingMath.Cosine(restored.Embedding, alone) < 0.9999, "the fused embedding equals the recogniser's alone: no restoration ran");
        }

        // verify/identify --json say which path was used.
        var json = FaceReport.ImageAndFace(small, restored, embedder.Preprocessing.Alignment);
        Assert.True((bool)json["restored"]!);
        Assert.Equal(Math.Round(restored.FaceSidePx, 2), (double)json["faceSidePx"]!);
        Assert.False((bool)FaceReport.ImageAndFace(FullSize, sharp, embedder.Preprocessing.Alignment)["restored"]!);

        // Degrading the full-size face to a 24 px probe makes it small: restored, at its degraded side.
        var degraded = embedder.EmbedFaces([FullSize], probeSize: 24)[0];
        Assert.True(degraded.Restored);
        Assert.InRange(degraded.FaceSidePx, 10, 30);
    }

    [Fact]
    public void The_limit_is_read_from_the_model_file_and_a_model_without_super_resolution_never_restores()
    {
        var store = PretrainedStore.Open();
        var dir = TestData.NewTempDir();
        var small = FacePhotos.SmallTiltedFaceExif6(dir, FullSize, faceWidth: 50, degrees: 15, new SKPoint(900, 260));
        // A limit of 0.2: only faces spanning fewer than 30 px once framed (box below 20 px) are restored.
        using (var strict = DlibWithSuperResolution(store, dir, restorationLimit: 0.2))
        {
            Assert.Equal(0.2, strict.RestorationLimit);
            Assert.False(new FaceEmbedder(strict).EmbedFaces([small])[0].Restored);
            Assert.False(strict.NeedsRestoration(20, FaceAlignmentTemplate.DlibChip));
            Assert.True(strict.NeedsRestoration(19.9, FaceAlignmentTemplate.DlibChip));
            Assert.True(strict.NeedsRestoration(29.9, FaceAlignmentTemplate.CentredCrop));
        }
        using var pretrained = FaceRecognitionCascade.FromPretrained("dlib-resnet", store);
        var face = new FaceEmbedder(pretrained).EmbedFaces([small])[0];
        Assert.False(face.Restored);
        Assert.InRange(face.FaceSidePx, 20, 100);
        Assert.False(pretrained.NeedsRestoration(1, FaceAlignmentTemplate.DlibChip));
    }

    /// <summary>
    /// The pretrained dlib-resnet cascaded with an FSRCNN x4 (fresh weights: the decision, not the quality of the
    /// restoration, is under test), framed by dlib's chip, saved and loaded back as a user's file is.
    /// </summary>
    private static FaceRecognitionCascade DlibWithSuperResolution(ModelStore store, string dir, double? restorationLimit)
    {
        using var pretrained = FaceRecognitionCascade.FromPretrained("dlib-resnet", store);
        var manifest = pretrained.Manifest with
        {
            SuperResolutionModel = "fsrcnn", SuperResolution = new SrModelConfig(4), Scale = 4, Fusion = FeatureFusion.Mean,
            RestorationLimit = restorationLimit,
            // dlib's chip, not the catalogue's default landmark box: the chip's box scale (1.5) is what the limits above assume.
            Preprocessing = pretrained.Manifest.Preprocessing with { Alignment = FaceAlignmentTemplate.DlibChip },
        };
        var path = Path.Combine(dir, $"dlib-fsrcnn-{restorationLimit}{FaceRecognitionCascade.Extension}");
        using (var built = FaceRecognitionCascade.Create(manifest))
        {
            built.Recognizer.load_state_dict(pretrained.Recognizer.state_dict());
            built.Save(path);
        }
        return FaceRecognitionCascade.Load(path, store);
    }
}
