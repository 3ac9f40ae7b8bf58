using SrFace.Models.Pretrained;
using static TorchSharp.torch;

namespace SrFace.Detection;

/// <summary>Options of <see cref="FaceDetector"/>.</summary>
/// <param name="Tiny">The fast first pass (face-api defaults: 416, score 0.5, NMS 0.4).</param>
/// <param name="Ssd">The accurate fallback when the tiny pass finds nothing (face-api defaults: score 0.5, NMS 0.5).</param>
/// <param name="TinyLargeInputSize">Input size of the last fallback, the tiny detector on a larger input (a multiple of
/// 32; 1280 default) for small faces in big photos; 0 disables it. Used only when the photo's longer side (after any
/// downscaling) exceeds 1.5 x <see cref="TinyFaceDetectorOptions.InputSize"/>.</param>
/// <param name="MaxDetectionSide">Photos whose longer side exceeds this many pixels are downscaled (antialiased
/// bilinear) to it for detection and landmarks; boxes and landmarks are mapped back. 1920 default; at least 64.</param>
/// <param name="MinLandmarkBoxSide">Faces whose box side sqrt(w h), in detection pixels, is below this get no
/// landmarks (the 112-px landmark net is unreliable on them): they are returned with
/// <see cref="DetectedFace.LandmarksFromBox"/> set. 20 px default; 0 always runs the landmark net.</param>
public sealed record FaceDetectorOptions(TinyFaceDetectorOptions Tiny, SsdMobilenetV1Options Ssd, int TinyLargeInputSize = 1280,
    int MaxDetectionSide = 1920, double MinLandmarkBoxSide = 20)
{
    /// <summary>The defaults described on each parameter.</summary>
    public FaceDetectorOptions() : this(new TinyFaceDetectorOptions(), new SsdMobilenetV1Options()) { }

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When an option is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Tiny);
        ArgumentNullException.ThrowIfNull(Ssd);
        Tiny.Validate();
        Ssd.Validate();
        if (TinyLargeInputSize < 0 || TinyLargeInputSize % 32 != 0) throw new ArgumentOutOfRangeException(nameof(TinyLargeInputSize), TinyLargeInputSize, "Must be 0 or a positive multiple of 32.");
        if (MaxDetectionSide < 64) throw new ArgumentOutOfRangeException(nameof(MaxDetectionSide), MaxDetectionSide, "Must be at least 64 pixels.");
        if (MinLandmarkBoxSide < 0) throw new ArgumentOutOfRangeException(nameof(MinLandmarkBoxSide), MinLandmarkBoxSide, "Must be >= 0.");
    }
}

/// <summary>
/// Faces from real photos: detection (tiny detector, then SSD when it finds nothing, then the tiny detector on a large
/// input), 68 landmarks per face on the detector crop, the five alignment points and the face size, all in
/// original-image pixels. Outcomes (no face, several faces, face too small for landmarks) are results, not exceptions.
/// </summary>
/// <remarks>
/// Networks and pre/post-processing are face-api's (@vladmandic/face-api 1.7.15, MIT), checked against the Node
/// package by golden tests. Not thread-safe (the networks are TorchSharp modules); use one instance per thread.
/// Every call disposes its native tensors before returning.
/// </remarks>
public sealed class FaceDetector : IDisposable
{
    /// <summary>The npm package the weights come from.</summary>
    public const string Package = "@vladmandic/face-api";

    /// <summary>Its pinned version.</summary>
    public const string Version = "1.7.15";

    /// <summary>Creates the facade over loaded networks (it takes ownership and disposes them).</summary>
    /// <param name="tiny">Loaded tiny detector.</param>
    /// <param name="ssd">Loaded SSD detector.</param>
    /// <param name="landmarks">Loaded landmark net.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">When an option is out of range.</exception>
    public FaceDetector(TinyFaceDetector tiny, SsdMobilenetV1 ssd, FaceLandmark68Net landmarks, FaceDetectorOptions? options = null)
    {
        Tiny = tiny ?? throw new ArgumentNullException(nameof(tiny));
        Ssd = ssd ?? throw new ArgumentNullException(nameof(ssd));
        Landmarks = landmarks ?? throw new ArgumentNullException(nameof(landmarks));
        Options = options ?? new FaceDetectorOptions();
        Options.Validate();
        Tiny.eval();
        Ssd.eval();
        Landmarks.eval();
    }

    /// <summary>Loads the three networks from the model store (SHA-256 checked).</summary>
    /// <param name="store">The model store holding @vladmandic/face-api 1.7.15.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <exception cref="ModelStoreException">When a file is missing or its hash differs.</exception>
    /// <exception cref="IO.TfJs.TfJsFormatException">When a weights file is damaged.</exception>
    public static FaceDetector Load(ModelStore store, FaceDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var tiny = new TinyFaceDetector();
        var ssd = new SsdMobilenetV1();
        var landmarks = new FaceLandmark68Net();
        try
        {
            tiny.LoadTfJs(store.LocateTfJsModel(Package, Version, TinyFaceDetector.ManifestPath));
            ssd.LoadTfJs(store.LocateTfJsModel(Package, Version, SsdMobilenetV1.ManifestPath));
            landmarks.LoadTfJs(store.LocateTfJsModel(Package, Version, FaceLandmark68Net.ManifestPath));
            return new FaceDetector(tiny, ssd, landmarks, options);
        }
        catch
        {
            tiny.Dispose();
            ssd.Dispose();
            landmarks.Dispose();
            throw;
        }
    }

    /// <summary>The tiny detector.</summary>
    public TinyFaceDetector Tiny { get; }

    /// <summary>The SSD detector.</summary>
    public SsdMobilenetV1 Ssd { get; }

    /// <summary>The 68-point landmark net.</summary>
    public FaceLandmark68Net Landmarks { get; }

    /// <summary>The options in force.</summary>
    public FaceDetectorOptions Options { get; }

    /// <summary>Detects every face in a photo, with landmarks.</summary>
    /// <param name="image">RGB photo <c>[3, H, W]</c>, float in [0, 1], upright (EXIF orientation already applied); not disposed.</param>
    /// <returns>The faces, largest box first (<see cref="FaceDetectionResult.Largest"/> = the default choice), and the
    /// outcome; empty (<see cref="DetectionOutcome.NoFace"/>) when there is none.</returns>
    /// <exception cref="ArgumentException">When the image is not <c>[3, H, W]</c> floats.</exception>
    public FaceDetectionResult Detect(Tensor image)
    {
        NetInput.CheckImage(image);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return FaceDetectionPipeline.Detect(new TorchNetworks(this), image, Options);
    }

    /// <summary>Detects faces in several photos one after another (the networks run per photo; sizes may differ).</summary>
    /// <param name="images">RGB photos <c>[3, H, W]</c> in [0, 1]; not disposed.</param>
    /// <returns>One result per photo, in order.</returns>
    /// <exception cref="ArgumentException">When an image is not <c>[3, H, W]</c> floats.</exception>
    public IReadOnlyList<FaceDetectionResult> DetectMany(IEnumerable<Tensor> images) => images.Select(Detect).ToList();

    /// <summary>The pipeline's network steps in TorchSharp (tensors stay in the caller's dispose scope).</summary>
    private sealed class TorchNetworks(FaceDetector detector) : IFaceDetectionNetworks<Tensor>
    {
        public (int Height, int Width) SizeOf(Tensor image) => ((int)image.shape[1], (int)image.shape[2]);

        public Tensor Downscale(Tensor image, int height, int width)
        {
            using var batch = image.to(float32).unsqueeze(0);
            using var resized = nn.functional.interpolate(batch, [height, width], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
            return resized.squeeze(0);
        }

        public TinyNetOutput RunTiny(Tensor image, int inputSize) => detector.Tiny.Run(image, inputSize);

        public SsdNetOutput RunSsd(Tensor image) => detector.Ssd.Run(image);

        public float[] RunLandmarks(Tensor image, IReadOnlyList<(int X, int Y, int Width, int Height)> crops) => detector.Landmarks.Run(image, crops);
    }

    /// <summary>Disposes the three networks.</summary>
    public void Dispose()
    {
        Tiny.Dispose();
        Ssd.Dispose();
        Landmarks.Dispose();
    }
}
