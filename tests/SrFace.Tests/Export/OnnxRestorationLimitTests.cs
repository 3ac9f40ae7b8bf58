using SrFace.Cascade;
using SrFace.Detection;
using SrFace.Export;
using SrFace.Models;
using SrFace.Recognition;
using SrFace.Tests.Cli;
using SrFace.Tests.Models.Pretrained;
using Xunit.Abstractions;

namespace SrFace.Tests.Export;

/// <summary>
/// ONNX Runtime takes the cascade's restoration decision with the limit the cascade records (a fine-tuned cascade
/// writes <see cref="Training.FineTuning.RestorationLimit"/> = 0.5), by the same rule as TorchSharp
/// (<see cref="FaceRecognitionCascade.IsBelowRestorationLimit"/>), not by the chip's side. The cascade is the pretrained
/// dlib-resnet with an FSRCNN x4 of fresh weights (the decision, not the quality of the restoration, is under test),
/// framed by the catalogue's landmark box, on a real LFW photo.
/// </summary>
[Collection(TorchCollection.Name)]
public class OnnxRestorationLimitTests(ITestOutputHelper output)
{
    [Fact]
    public void A_face_the_torchsharp_path_does_not_restore_under_limit_half_is_not_restored_by_onnx_either()
    {
        var store = PretrainedStore.Open();
        var dir = TestData.NewTempDir();
        using var cascade = FineTunedStyle(store, dir);
        Assert.Equal(0.5, cascade.RestorationLimit);
        var onnxPath = Path.Combine(dir, "fine-tuned-p24.onnx");
        var metadata = CascadeOnnxExporter.Export(cascade, 24, onnxPath);
        Assert.Equal(0.5, metadata.RestorationLimit);
        Assert.True(metadata.FaceAnySide);

        using var detector = FaceDetector.Load(store);
        using var onnx = new OnnxCascade(onnxPath, threads: 2, detector: detector);
        var embedder = new FaceEmbedder(cascade);
        var photo = FacePhotos.Lfw("George_W_Bush", 2);
        // 90 px: a chip below S = 150 that spans more than 0.5 S once framed, so not restored; 24 px: restored.
        foreach (var (probeSize, restored) in new[] { (90, false), (24, true) })
        {
            var torch = embedder.EmbedFaces([photo], probeSize)[0];
            var viaOnnx = onnx.EmbedFace(photo, probeSize);
            var cosine = EmbeddingMath.Cosine(torch.Embedding, viaOnnx.Embedding);
            output.WriteLine($"probe {probeSize} px: chip {torch.ProbeSide} px, face side {torch.FaceSidePx:F2} px, restored TorchSharp {torch.Restored} / ONNX {viaOnnx.Restored}, cosine(ONNX, TorchSharp) = {cosine:F7}");
            Assert.True(torch.ProbeSide < cascade.InputSize);
            Assert.Equal(restored, torch.Restored);
            Assert.Equal(torch.Restored, viaOnnx.Restored);
            Assert.Equal(torch.FaceSidePx, viaOnnx.FaceSidePx, 9);
            Assert.True(cosine > 1 - 1e-5, $"cosine {cosine}");
        }
        // The decision matters: restoring the 90 px face would give another embedding.
        var chip90 = onnx.EmbedFace(photo, 90);
        using (var scope = TorchSharp.torch.NewDisposeScope())
        {
            var image = new SrFace.Imaging.FaceImageReader().Read(photo);
            var chip = embedder.PrepareImageFace(image, photo, 90).Chip.unsqueeze(0);
            var fused = cascade.Embed(chip, restore: true).data<float>().ToArray();
            Assert.True(EmbeddingMath.Cosine(chip90.Embedding, fused) < 0.9999, "restoring changes nothing: the test would not see the decision");
        }
    }

    [Fact]
    public void An_export_without_the_limit_reads_the_documented_default()
    {
        var store = PretrainedStore.Open();
        var dir = TestData.NewTempDir();
        using var cascade = FineTunedStyle(store, dir);
        var path = Path.Combine(dir, "p24.onnx");
        CascadeOnnxExporter.Export(cascade, 24, path);
        var older = OnnxExportTests.WithMetadata(path, Path.Combine(dir, "older.onnx"), "srface.restoration_limit", null);
        var metadata = OnnxCascade.ReadMetadata(older);
        Assert.Equal(CascadeManifest.DefaultRestorationLimit, metadata.RestorationLimit);
        // The same rule as the cascade's: 0.5 x 150 = 75 px framed; the landmark box frames about 1.1 box sides (TemplateOf).
        var boxScale = SrFace.Data.FacePreparer.TemplateOf(FaceAlignmentTemplate.LandmarkBox)!.BoxScale;
        var side = 100 / boxScale; // 100 px framed: restored under the default limit 1, not under 0.5
        Assert.True(metadata.NeedsRestoration(side, FaceAlignmentTemplate.LandmarkBox));
        Assert.False(OnnxCascade.ReadMetadata(path).NeedsRestoration(side, FaceAlignmentTemplate.LandmarkBox));
        Assert.Equal(cascade.NeedsRestoration(side, FaceAlignmentTemplate.LandmarkBox), OnnxCascade.ReadMetadata(path).NeedsRestoration(side, FaceAlignmentTemplate.LandmarkBox));
        var bad = OnnxExportTests.WithMetadata(path, Path.Combine(dir, "bad.onnx"), "srface.restoration_limit", "-1");
        Assert.Contains("restoration_limit", Assert.Throws<InvalidDataException>(() => OnnxCascade.ReadMetadata(bad)).Message);
    }

    /// <summary>dlib-resnet + FSRCNN x4 (fresh weights), mean fusion, restoration limit 0.5 as fine-tuning writes it; saved and loaded back.</summary>
    private static FaceRecognitionCascade FineTunedStyle(SrFace.Models.Pretrained.ModelStore store, string dir)
    {
        using var pretrained = FaceRecognitionCascade.FromPretrained("dlib-resnet", store);
        var manifest = pretrained.Manifest with
        {
            SuperResolutionModel = "fsrcnn", SuperResolution = new SrModelConfig(4), Scale = 4, Fusion = FeatureFusion.Mean,
            RestorationLimit = SrFace.Training.FineTuning.RestorationLimit,
        };
        var path = Path.Combine(dir, $"fine-tuned-style{FaceRecognitionCascade.Extension}");
        using (var built = FaceRecognitionCascade.Create(manifest))
        {
            built.Recognizer.load_state_dict(pretrained.Recognizer.state_dict());
            built.Save(path);
        }
        return FaceRecognitionCascade.Load(path, store);
    }
}
