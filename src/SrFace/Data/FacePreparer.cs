using SrFace.Detection;
using SrFace.Export;
using SrFace.FaceAlignment;
using SrFace.Imaging;
using SrFace.Models;
using SrFace.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Data;

/// <summary>A face made ready for a recogniser by <see cref="FacePreparer"/>.</summary>
/// <param name="Chip">The face <c>[C, s, s]</c> float32 in [0, 1] at the requested side s.</param>
/// <param name="NativeSide">The face's own resolution: how many image pixels span the chip's side (the centred crop
/// side, or S x the alignment transform's scale). Below the recogniser input S the face is a low-quality probe.</param>
/// <param name="Face">The detected face used (box, score, landmarks), or null for a centred crop.</param>
/// <param name="FacesFound">How many faces the detector found in the image (0 for a centred crop); <see cref="FacePreparer.Prepare"/> uses the largest.</param>
public sealed record PreparedFace(Tensor Chip, int NativeSide, DetectedFace? Face, int FacesFound);

/// <summary>A face made ready by <see cref="FacePreparer.PrepareManaged"/> (no libtorch call): as <see cref="PreparedFace"/> in managed planes.</summary>
/// <param name="Chip">The face <c>[C, s, s]</c> in [0, 1] at the requested side s.</param>
/// <param name="NativeSide">The face's own resolution (see <see cref="PreparedFace.NativeSide"/>).</param>
/// <param name="Face">The detected face used, or null for a centred crop.</param>
/// <param name="FacesFound">How many faces the detector found (0 for a centred crop).</param>
public sealed record ManagedPreparedFace(PlanarImage Chip, int NativeSide, DetectedFace? Face, int FacesFound);

/// <summary>
/// The one preprocessing stage of SrFace (training loader, embedder, evaluation, benchmarks, server): turns an image
/// <c>[C, H, W]</c> into the recogniser's face chip as <see cref="FacePreprocessing"/> says: a centred crop (pre-aligned
/// data sets: LFW deep-funneled, ORL, the tests) or detection + 68 landmarks + a least-squares similarity alignment to
/// the recogniser's template (<see cref="FaceAlignmentTemplate.DlibChip"/>, <see cref="FaceAlignmentTemplate.ArcFace5Point"/>;
/// rotation corrected), or face-api's upright square from the landmarks (<see cref="FaceAlignmentTemplate.LandmarkBox"/>). The chip is sampled at the face's native resolution and then resized (bicubic, antialiased),
/// so a small face stays a low-resolution probe and a large one is not aliased.
/// </summary>
/// <remarks>
/// The stage runs on either backend with one control flow: TorchSharp tensors with <see cref="FaceDetector"/> and
/// libtorch's <c>grid_sample</c> (<see cref="Prepare"/>), or managed images with the ONNX Runtime networks and GridSample
/// of <see cref="OnnxFaceDetector"/> (<see cref="PrepareManaged"/>: no libtorch
/// call). Framing, the choice of face, the similarity transform (Umeyama, C#) and the chip sides are shared.
/// Detection runs one image at a time (TorchSharp modules are not thread-safe); cropping is thread-safe.
/// </remarks>
public sealed class FacePreparer
{
    /// <summary>The smallest chip side the stage produces: the smallest probe a cascade accepts.</summary>
    public const int MinimumSide = 4;

    /// <summary>When the detectors find no face, they run once more on the image with its shorter side / this many
    /// pixels replicated around it, which finds faces that fill the image (tight crops: the <c>detection-reach</c>
    /// benchmark measures both passes).</summary>
    public const int RetryPaddingDivisor = 3;

    /// <summary>The border of the second detection pass: a third of the image's shorter side, at least 1 pixel.</summary>
    /// <param name="height">Image height H.</param>
    /// <param name="width">Image width W.</param>
    public static int RetryBorder(int height, int width) => Math.Max(1, Math.Min(height, width) / RetryPaddingDivisor);

    private readonly FaceDetector? _detector;
    private readonly OnnxFaceDetector? _onnxDetector;
    private readonly AlignmentTemplate? _template;
    private readonly object _detectorLock = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string>? _fallbacks;

    /// <summary>Creates the stage.</summary>
    /// <param name="preprocessing">How faces are framed, and the recogniser input side S.</param>
    /// <param name="detector">The face detector; required when <see cref="FacePreprocessing.Alignment"/> is not a centred crop (not disposed here).</param>
    /// <exception cref="ArgumentOutOfRangeException">When the preprocessing is out of range.</exception>
    /// <exception cref="ArgumentException">When alignment needs a detector and none is given.</exception>
    /// <param name="centredCropWhenNoFace">For benchmarks on pre-aligned data sets whose protocol scores every image
    /// (LFW): when the detector finds no face, take the centred crop instead of failing, and list the file in
    /// <see cref="FallbackFiles"/>. Off for photos: there "no face found" is the answer.</param>
    public FacePreparer(FacePreprocessing preprocessing, FaceDetector? detector = null, bool centredCropWhenNoFace = false)
        : this(preprocessing, detector, null, centredCropWhenNoFace)
    {
    }

    /// <summary>Creates the stage on ONNX Runtime: <see cref="PrepareManaged"/> detects and aligns with no libtorch call.</summary>
    /// <param name="preprocessing">How faces are framed, and the recogniser input side S.</param>
    /// <param name="detector">The ONNX Runtime face detector, landmark net and warp (not disposed here).</param>
    /// <param name="centredCropWhenNoFace">As for the TorchSharp constructor.</param>
    /// <exception cref="ArgumentOutOfRangeException">When the preprocessing is out of range.</exception>
    public FacePreparer(FacePreprocessing preprocessing, OnnxFaceDetector detector, bool centredCropWhenNoFace = false)
        : this(preprocessing, null, detector ?? throw new ArgumentNullException(nameof(detector)), centredCropWhenNoFace)
    {
    }

    private FacePreparer(FacePreprocessing preprocessing, FaceDetector? detector, OnnxFaceDetector? onnxDetector, bool centredCropWhenNoFace)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        preprocessing.Validate();
        Preprocessing = preprocessing;
        _template = TemplateOf(preprocessing.Alignment);
        if (_template is not null && detector is null && onnxDetector is null)
            throw new ArgumentException($"Faces framed as {preprocessing.Alignment} need a face detector (from the model store).", nameof(detector));
        _detector = detector;
        _onnxDetector = onnxDetector;
        _fallbacks = centredCropWhenNoFace ? new() : null;
    }

    /// <summary>Files where no face was found and the centred crop was used (only with <c>centredCropWhenNoFace</c>).</summary>
    public IReadOnlyCollection<string> FallbackFiles => _fallbacks?.ToArray() ?? [];

    /// <summary>How faces are framed and the output side S.</summary>
    public FacePreprocessing Preprocessing { get; }

    /// <summary>True when faces are detected and aligned (not centre-cropped).</summary>
    public bool Aligns => _template is not null;

    /// <summary>The landmark template of an alignment kind, or null for the centred crop.</summary>
    /// <param name="alignment">The kind, from a recogniser's catalogue entry.</param>
    public static AlignmentTemplate? TemplateOf(FaceAlignmentTemplate alignment) => alignment switch
    {
        FaceAlignmentTemplate.DlibChip => AlignmentTemplate.DlibChip150,
        FaceAlignmentTemplate.ArcFace5Point => AlignmentTemplate.ArcFace112,
        FaceAlignmentTemplate.LandmarkBox => AlignmentTemplate.FaceApiLandmarkBox,
        _ => null,
    };

    /// <summary>Prepares the face of one image: the largest when the detector finds several.</summary>
    /// <param name="image">Image <c>[C, H, W]</c> float in [0, 1] (RGB for detection); not disposed.</param>
    /// <param name="source">The image's file (or another name) for messages.</param>
    /// <param name="sideFor">Output side s as a function of the face's native side (see <see cref="PreparedFace.NativeSide"/>);
    /// null for <see cref="FacePreprocessing.Size"/>. A smaller side gives a low-resolution probe of the same framing.</param>
    /// <returns>The chip (in the caller's dispose scope) and what was found.</returns>
    /// <exception cref="FaceNotFoundException">When alignment is on and the detector finds no face.</exception>
    /// <exception cref="InvalidDataException">When the image is smaller than a centred crop.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="sideFor"/> gives a side below 1.</exception>
    /// <exception cref="NotSupportedException">When alignment is on and this stage was made with an ONNX Runtime detector.</exception>
    public PreparedFace Prepare(Tensor image, string source, Func<int, int>? sideFor = null) => PrepareTorch(image, source, sideFor, allFaces: false)[0];

    /// <summary>
    /// Prepares every face the detector finds in one image, largest box first (<c>identify --all-faces</c>); with a
    /// centred crop (or its fallback) the one crop.
    /// </summary>
    /// <param name="image">Image <c>[C, H, W]</c> float in [0, 1] (RGB for detection); not disposed.</param>
    /// <param name="source">The image's file (or another name) for messages.</param>
    /// <param name="sideFor">Output side s as a function of each face's native side; null for <see cref="FacePreprocessing.Size"/>.</param>
    /// <returns>One chip per face (in the caller's dispose scope), at least one.</returns>
    /// <exception cref="FaceNotFoundException">When alignment is on and the detector finds no face.</exception>
    /// <exception cref="InvalidDataException">When the image is smaller than a centred crop.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="sideFor"/> gives a side below 1.</exception>
    /// <exception cref="NotSupportedException">When alignment is on and this stage was made with an ONNX Runtime detector.</exception>
    public IReadOnlyList<PreparedFace> PrepareAll(Tensor image, string source, Func<int, int>? sideFor = null) => PrepareTorch(image, source, sideFor, allFaces: true);

    /// <summary>
    /// <see cref="Prepare"/> in managed code with no libtorch call (the training prefetch thread, the ONNX Runtime path):
    /// a centred crop (the same window, side and antialiased bicubic resize, <see cref="ManagedFacePreprocessing"/>:
    /// equal to the TorchSharp path to about 1e-6), or, with an <see cref="OnnxFaceDetector"/>, detection, landmarks
    /// and the similarity warp in ONNX Runtime.
    /// </summary>
    /// <param name="image">The image, in <see cref="FacePreprocessing.Color"/> (<see cref="ManagedFacePreprocessing.Read"/>).</param>
    /// <param name="source">The image's file (or another name) for messages.</param>
    /// <param name="sideFor">As for <see cref="Prepare"/>.</param>
    /// <returns>The chip <c>[C, s, s]</c>, the face's native side, and the face used.</returns>
    /// <exception cref="NotSupportedException">When this stage aligns faces and was made without an ONNX Runtime detector.</exception>
    /// <exception cref="FaceNotFoundException">When alignment is on and the detector finds no face.</exception>
    /// <exception cref="InvalidDataException">When the image is smaller than the crop.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="sideFor"/> gives a side below 1.</exception>
    public ManagedPreparedFace PrepareManaged(PlanarImage image, string source, Func<int, int>? sideFor = null) =>
        PrepareManagedFaces(image, source, sideFor, allFaces: false)[0];

    /// <summary>As <see cref="PrepareAll"/> in managed code (see <see cref="PrepareManaged"/>).</summary>
    /// <param name="image">The image, in <see cref="FacePreprocessing.Color"/>.</param>
    /// <param name="source">The image's file (or another name) for messages.</param>
    /// <param name="sideFor">As for <see cref="Prepare"/>.</param>
    /// <returns>One chip per face, largest box first, at least one.</returns>
    /// <exception cref="NotSupportedException">As <see cref="PrepareManaged"/>.</exception>
    /// <exception cref="FaceNotFoundException">When alignment is on and the detector finds no face.</exception>
    /// <exception cref="InvalidDataException">When the image is smaller than the crop.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="sideFor"/> gives a side below 1.</exception>
    public IReadOnlyList<ManagedPreparedFace> PrepareAllManaged(PlanarImage image, string source, Func<int, int>? sideFor = null) =>
        PrepareManagedFaces(image, source, sideFor, allFaces: true);

    private PreparedFace[] PrepareTorch(Tensor image, string source, Func<int, int>? sideFor, bool allFaces)
    {
        if (Aligns && _detector is null)
            throw new NotSupportedException($"{source}: this preparation stage aligns with the ONNX Runtime detector; use PrepareManaged.");
        return PrepareFaces(new TorchBackend(this), image, source, sideFor, allFaces).Select(f => new PreparedFace(f.Chip, f.Native, f.Face, f.Found)).ToArray();
    }

    private ManagedPreparedFace[] PrepareManagedFaces(PlanarImage image, string source, Func<int, int>? sideFor, bool allFaces)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (Aligns && _onnxDetector is null)
            throw new NotSupportedException($"{source}: faces framed as {Preprocessing.Alignment} need face detection, landmarks and alignment; a managed path without the exported detector (ONNX Runtime) can only take a centred crop.");
        return PrepareFaces(new ManagedBackend(this), image, source, sideFor, allFaces).Select(f => new ManagedPreparedFace(f.Chip, f.Native, f.Face, f.Found)).ToArray();
    }

    /// <summary>The steps of the stage that touch pixels, on one image type; the flow around them is <see cref="PrepareFaces"/>.</summary>
    private interface IBackend<TImage, TChip>
    {
        (int Height, int Width) SizeOf(TImage image);

        FaceDetectionResult Detect(TImage image);

        /// <summary>The image with <paramref name="border"/> pixels replicated from its edges on every side.</summary>
        TImage Pad(TImage image, int border);

        /// <summary>The centred crop of the framing, resized to <paramref name="side"/> (antialiased bicubic).</summary>
        TChip CentredCrop(TImage image, int side, string source);

        /// <summary>The warp at <paramref name="warpSide"/>, then one antialiased bicubic resize to <paramref name="side"/> when they differ, clamped.</summary>
        TChip Warp(TImage image, SimilarityTransform outputToImage, int warpSide, int side);
    }

    /// <summary>The one flow: centred crop, or detection (with the optional fallback), choice of faces, alignment.</summary>
    private List<(TChip Chip, int Native, DetectedFace? Face, int Found)> PrepareFaces<TImage, TChip>(IBackend<TImage, TChip> backend, TImage image, string source, Func<int, int>? sideFor, bool allFaces)
    {
        ArgumentNullException.ThrowIfNull(image);
        int Target(int native) => TargetSide(sideFor, native);
        (TChip, int, DetectedFace?, int) CentredCrop()
        {
            var (h, w) = backend.SizeOf(image);
            var crop = Preprocessing.CropSide(h, w);
            return (backend.CentredCrop(image, Target(crop), source), crop, null, 0);
        }
        if (_template is null) return [CentredCrop()];
        FaceDetectionResult detection;
        lock (_detectorLock) detection = backend.Detect(image);
        var (warped, border) = (image, 0);
        if (detection.Largest is null)
        {
            // A face that fills the image (a tight crop from a camera or another detector) is rarely found as it is:
            // the detectors want context around it. Once more on the image with a third of its side replicated around;
            // a face found there is warped from the padded image and reported in the image's own pixels.
            var (h, w) = backend.SizeOf(image);
            border = RetryBorder(h, w);
            var padded = backend.Pad(image, border);
            lock (_detectorLock) detection = backend.Detect(padded);
            if (detection.Largest is not null) warped = padded;
            else border = 0;
        }
        if (detection.Largest is null && _fallbacks is not null)
        {
            _fallbacks.Enqueue(source);
            return [CentredCrop()];
        }
        if (detection.Largest is null) throw new FaceNotFoundException($"no face found in {source} (detectors tried: tiny, SSD, tiny at large input; also with the image padded).");
        IEnumerable<DetectedFace> chosen = allFaces ? detection : [detection.Largest];
        return chosen.Select(face =>
        {
            // Warped at the face's own resolution (never upsampled in the warp), then one antialiased bicubic resize.
            var s = Preprocessing.Size;
            var native = (int)Math.Round(s * Transform(face, s).Scale);
            var warpSide = Math.Max(MinimumSide, native);
            var chip = backend.Warp(warped, Transform(face, warpSide), warpSide, Target(native));
            return (chip, native, (DetectedFace?)(border == 0 ? face : face.Translated(-border, -border)), detection.Count);
        }).ToList();
    }

    private sealed class TorchBackend(FacePreparer preparer) : IBackend<Tensor, Tensor>
    {
        public (int Height, int Width) SizeOf(Tensor image) => ((int)image.shape[1], (int)image.shape[2]);

        public FaceDetectionResult Detect(Tensor image) => preparer._detector!.Detect(image);

        public Tensor Pad(Tensor image, int border) =>
            nn.functional.pad(image.unsqueeze(0), [border, border, border, border], PaddingModes.Replicate).squeeze(0);

        public Tensor CentredCrop(Tensor image, int side, string source) =>
            FaceCropper.CropAndResize(image, preparer.Preprocessing with { Size = side }, source);

        public Tensor Warp(Tensor image, SimilarityTransform outputToImage, int warpSide, int side)
        {
            using var scope = NewDisposeScope();
            var chip = FaceAligner.Warp(image, [outputToImage], warpSide);     // [1, C, n, n]
            if (warpSide != side)
                chip = SafeScalars.Clamp_(nn.functional.interpolate(chip, size: [side, side], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true));
            return chip[0].MoveToOuterDisposeScope();
        }
    }

    private sealed class ManagedBackend(FacePreparer preparer) : IBackend<PlanarImage, PlanarImage>
    {
        public (int Height, int Width) SizeOf(PlanarImage image) => (image.Height, image.Width);

        public FaceDetectionResult Detect(PlanarImage image) => preparer._onnxDetector!.Detect(image);

        public PlanarImage Pad(PlanarImage image, int border) => ManagedFacePreprocessing.PadReplicate(image, border);

        public PlanarImage CentredCrop(PlanarImage image, int side, string source) =>
            ManagedFacePreprocessing.CropAndResize(image, preparer.Preprocessing, side, source);

        public PlanarImage Warp(PlanarImage image, SimilarityTransform outputToImage, int warpSide, int side)
        {
            var chip = preparer._onnxDetector!.Warp(image, outputToImage, warpSide);
            if (warpSide == side) return chip;
            var plane = warpSide * warpSide;
            var output = new float[chip.Channels * side * side];
            for (var c = 0; c < chip.Channels; c++)
            {
                var resized = ManagedFacePreprocessing.ResizeAntialiased(chip.Pixels[(c * plane)..((c + 1) * plane)], warpSide, warpSide, side, side);
                for (var i = 0; i < resized.Length; i++) output[c * side * side + i] = Math.Clamp(resized[i], 0f, 1f);
            }
            return new PlanarImage(output, chip.Channels, side, side);
        }
    }

    private int TargetSide(Func<int, int>? sideFor, int native)
    {
        var side = sideFor?.Invoke(native) ?? Preprocessing.Size;
        return side >= 1 ? side : throw new ArgumentOutOfRangeException(nameof(sideFor), side, "A face chip is at least 1 pixel wide.");
    }

    private SimilarityTransform Transform(DetectedFace face, int size) =>
        face.Landmarks68 is null ? FaceAligner.FromBox(face.Box, _template!, size) : FaceAligner.Estimate(face.Landmarks68, _template!, size);
}
