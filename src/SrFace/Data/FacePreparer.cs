using SrFace.Detection;
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

/// <summary>
/// The one preprocessing stage of SrFace (training loader, embedder, evaluation, benchmarks, server): turns an image
/// <c>[C, H, W]</c> into the recogniser's face chip as <see cref="FacePreprocessing"/> says: a centred crop (pre-aligned
/// data sets: LFW deep-funneled, ORL, the tests) or detection + 68 landmarks + a least-squares similarity alignment to
/// the recogniser's template (<see cref="FaceAlignmentTemplate.DlibChip"/>, <see cref="FaceAlignmentTemplate.ArcFace5Point"/>;
/// rotation corrected), or face-api's upright square from the landmarks (<see cref="FaceAlignmentTemplate.LandmarkBox"/>). The chip is sampled at the face's native resolution and then resized (bicubic, antialiased),
/// so a small face stays a low-resolution probe and a large one is not aliased.
/// </summary>
/// <remarks>Detection runs one image at a time (TorchSharp modules are not thread-safe); cropping is thread-safe.</remarks>
public sealed class FacePreparer
{
    /// <summary>The smallest chip side the stage produces: the smallest probe a cascade accepts.</summary>
    public const int MinimumSide = 4;

    private readonly FaceDetector? _detector;
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
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        preprocessing.Validate();
        Preprocessing = preprocessing;
        _template = TemplateOf(preprocessing.Alignment);
        if (_template is not null && detector is null)
            throw new ArgumentException($"Faces framed as {preprocessing.Alignment} need a face detector (from the model store).", nameof(detector));
        _detector = detector;
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
    public PreparedFace Prepare(Tensor image, string source, Func<int, int>? sideFor = null) => PrepareFaces(image, source, sideFor, allFaces: false)[0];

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
    public IReadOnlyList<PreparedFace> PrepareAll(Tensor image, string source, Func<int, int>? sideFor = null) => PrepareFaces(image, source, sideFor, allFaces: true);

    private IReadOnlyList<PreparedFace> PrepareFaces(Tensor image, string source, Func<int, int>? sideFor, bool allFaces)
    {
        ArgumentNullException.ThrowIfNull(image);
        int Target(int native) => TargetSide(sideFor, native);
        PreparedFace CentredCrop()
        {
            var crop = Preprocessing.CropSide((int)image.shape[1], (int)image.shape[2]);
            return new PreparedFace(FaceCropper.CropAndResize(image, Preprocessing with { Size = Target(crop) }, source), crop, null, 0);
        }
        if (_template is null) return [CentredCrop()];
        FaceDetectionResult detection;
        lock (_detectorLock) detection = _detector!.Detect(image);
        if (detection.Largest is null && _fallbacks is not null)
        {
            _fallbacks.Enqueue(source);
            return [CentredCrop()];
        }
        if (detection.Largest is null) throw new FaceNotFoundException($"no face found in {source} (detectors tried: tiny, SSD, tiny at large input).");
        IEnumerable<DetectedFace> chosen = allFaces ? detection : [detection.Largest];
        return chosen.Select(face => Align(image, face, detection.Count, Target)).ToArray();
    }

    /// <summary>Warps one detected face at its own resolution (never upsampled in the warp), then one antialiased bicubic resize.</summary>
    private PreparedFace Align(Tensor image, DetectedFace face, int facesFound, Func<int, int> target)
    {
        using var scope = NewDisposeScope();
        var s = Preprocessing.Size;
        var native = (int)Math.Round(s * Transform(face, s).Scale);
        var side = target(native);
        var warpSide = Math.Max(MinimumSide, native);
        var chip = FaceAligner.Warp(image, [Transform(face, warpSide)], warpSide);     // [1, C, n, n]
        if (warpSide != side)
            chip = SafeScalars.Clamp_(nn.functional.interpolate(chip, size: [side, side], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true));
        return new PreparedFace(chip[0].MoveToOuterDisposeScope(), native, face, facesFound);
    }

    /// <summary>
    /// <see cref="Prepare"/> of a centred crop in managed code, with no libtorch call (the training prefetch thread, the
    /// ONNX Runtime path): the same window (<see cref="FacePreprocessing.CropWindow"/>), side and antialiased bicubic
    /// resize (<see cref="ManagedFacePreprocessing"/>: equal to the TorchSharp path to about 1e-6).
    /// </summary>
    /// <param name="image">The image, in <see cref="FacePreprocessing.Color"/> (<see cref="ManagedFacePreprocessing.Read"/>).</param>
    /// <param name="source">The image's file (or another name) for messages.</param>
    /// <param name="sideFor">As for <see cref="Prepare"/>.</param>
    /// <returns>The chip <c>[C, s, s]</c> and the face's native side (the crop side).</returns>
    /// <exception cref="NotSupportedException">When this stage aligns faces (<see cref="Aligns"/>): detection and
    /// alignment run in libtorch.</exception>
    /// <exception cref="InvalidDataException">When the image is smaller than the crop.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="sideFor"/> gives a side below 1.</exception>
    public (PlanarImage Chip, int NativeSide) PrepareManaged(PlanarImage image, string source, Func<int, int>? sideFor = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (Aligns)
            throw new NotSupportedException($"{source}: faces framed as {Preprocessing.Alignment} need face detection, landmarks and alignment, which run in libtorch only; a managed (ONNX Runtime) path can only take a centred crop.");
        var crop = Preprocessing.CropSide(image.Height, image.Width);
        return (ManagedFacePreprocessing.CropAndResize(image, Preprocessing, TargetSide(sideFor, crop), source), crop);
    }

    private int TargetSide(Func<int, int>? sideFor, int native)
    {
        var side = sideFor?.Invoke(native) ?? Preprocessing.Size;
        return side >= 1 ? side : throw new ArgumentOutOfRangeException(nameof(sideFor), side, "A face chip is at least 1 pixel wide.");
    }

    private SimilarityTransform Transform(DetectedFace face, int size) =>
        face.Landmarks68 is null ? FaceAligner.FromBox(face.Box, _template!, size) : FaceAligner.Estimate(face.Landmarks68, _template!, size);
}
