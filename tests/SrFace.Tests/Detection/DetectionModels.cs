using SrFace.Detection;
using SrFace.Imaging;
using SrFace.Tests.Models.Pretrained;
using static TorchSharp.torch;

namespace SrFace.Tests.Detection;

/// <summary>The face-api detection networks loaded once from the model store for all detection tests, and the golden file.</summary>
public static class DetectionModels
{
    private static readonly Lazy<FaceDetector> Shared = new(() => FaceDetector.Load(PretrainedStore.Open()));

    /// <summary>The shared detector (default options); tests run in the torch collection, one at a time.</summary>
    public static FaceDetector Detector => Shared.Value;

    /// <summary>tests/SrFace.Tests/Detection/golden/detections.json.</summary>
    public static string GoldenPath => Path.Combine(TestData.RepoRoot, "tests", "SrFace.Tests", "Detection", "golden", "detections.json");

    /// <summary>Reads a data-set image as [3, H, W] in [0, 1].</summary>
    public static Tensor ReadImage(string relativeToDatasets) => new FaceImageReader().Read(Path.Combine(TestData.Datasets, relativeToDatasets));

    /// <summary>Reads a data-set image for both runtimes (the same decoder): <c>[3, H, W]</c> tensor and managed RGB planes.</summary>
    public static (Tensor Torch, PlanarImage Managed) ReadBoth(string relativeToDatasets) =>
        (ReadImage(relativeToDatasets), ManagedFacePreprocessing.Read(Path.Combine(TestData.Datasets, relativeToDatasets), ColorMode.Rgb));
}
