using SrFace.Models.Pretrained;
using SrFace.Models.Recognition;
using SrFace.Models.SuperResolution;

namespace SrFace.Models;

/// <summary>What a caller may choose when building an SR model from the <see cref="ModelCatalog"/>.</summary>
/// <param name="Scale">Upscaling factor s (2, 3, 4 or 8).</param>
/// <param name="Channels">Image channels C (3 RGB, 1 grey).</param>
/// <param name="Width">Feature width (SRCNN n1, FSRCNN d, SRResNet channels); null = the paper's value.</param>
/// <param name="Blocks">Depth (FSRCNN m, SRResNet B); null = the paper's value. SRCNN has no depth option.</param>
/// <param name="ResidualToBicubic">Global residual to bicubic upsampling (see <see cref="SuperResolution.SuperResolutionModel.ResidualToBicubic"/>); false is the papers' form.</param>
public sealed record SrModelConfig(int Scale = 4, int Channels = 3, int? Width = null, int? Blocks = null, bool ResidualToBicubic = true);

/// <summary>One SR model of the catalogue. Every SR model maps LR <c>[N, C, h, w]</c> in [0, 1] to <c>[N, C, s*h, s*w]</c>.</summary>
/// <param name="Name">Catalogue key, e.g. "fsrcnn".</param>
/// <param name="Summary">One line naming the paper.</param>
/// <param name="Create">Factory (throws <see cref="ArgumentOutOfRangeException"/> on invalid configurations).</param>
/// <param name="CreateDiscriminator">Factory of the adversarial discriminator (SRGAN only; null otherwise).</param>
public sealed record SrModelEntry(
    string Name,
    string Summary,
    Func<SrModelConfig, SuperResolutionModel> Create,
    Func<SrModelConfig, SrganDiscriminator>? CreateDiscriminator = null)
{
    /// <summary>True when the model restores at the recogniser's input size S on a bicubic pre-upsampled face
    /// (<see cref="SuperResolution.SuperResolutionModel.PreUpsampled"/>): S need not be a multiple of the scale and one
    /// model serves every probe size.</summary>
    public bool PreUpsampled { get; init; }

    /// <summary>Value range of inputs and targets: [0, 1] for every SR model.</summary>
    public (float Min, float Max) Range { get; init; } = (0f, 1f);
}

/// <summary>What a caller may choose when building a recogniser from the <see cref="ModelCatalog"/>.</summary>
/// <param name="InputSize">Square input side S in pixels; null = the entry's <see cref="RecognizerEntry.InputSize"/>.</param>
/// <param name="Channels">Input channels C (3 RGB, 1 grey).</param>
/// <param name="EmbeddingSize">Embedding width D.</param>
/// <param name="Width">Base width w; null = the paper's value (64).</param>
/// <param name="Dropout">Dropout before the embedding layer, where the model has one.</param>
public sealed record RecognizerConfig(int? InputSize = null, int Channels = 3, int EmbeddingSize = 128, int? Width = null, double Dropout = 0);

/// <summary>How a recogniser's own authors compare its raw embeddings (SrFace itself always compares unit-norm
/// embeddings by cosine similarity).</summary>
public enum EmbeddingDistance
{
    /// <summary>Cosine similarity of the embeddings (same person above a threshold).</summary>
    Cosine,

    /// <summary>Euclidean distance of the raw, unnormalised embeddings (same person below a threshold), as dlib.</summary>
    Euclidean,
}

/// <summary>How the faces a recogniser was trained on were framed; the preprocessing aligns new faces the same way.</summary>
public enum FaceAlignmentTemplate
{
    /// <summary>A centred square crop of a pre-aligned image (LFW deep-funneled, ORL); SrFace's from-scratch recognisers.</summary>
    CentredCrop,

    /// <summary>dlib's face chip: <c>get_face_chip_details(landmarks, size, padding 0.25)</c>, a similarity transform of
    /// the landmarks onto dlib's mean face shape.</summary>
    DlibChip,

    /// <summary>The 5-point ArcFace / insightface 112 x 112 template.</summary>
    ArcFace5Point,

    /// <summary>face-api's framing of the dlib net (@vladmandic/face-api, <c>FaceLandmarks.align</c> with
    /// <c>useDlibAlignment</c>): an upright square from the eye and mouth centres, no rotation, resized to the input.</summary>
    LandmarkBox,
}

/// <summary>
/// One recogniser of the catalogue, with the input conventions a caller must respect: every recogniser takes
/// <c>[N, C, S, S]</c> in <see cref="Range"/> and normalises it inside by (x - Mean) / Std, returning unit-norm
/// <c>[N, D]</c> embeddings. An imported model (dlib's 128-D ResNet at 150 x 150 with its own normalisation) is just
/// another entry: its factory builds the network, <see cref="Pretrained"/> says where its weights come from, and
/// <see cref="Alignment"/>, <see cref="NativeDistance"/> and the calibration fields are data the rest of SrFace reads.
/// </summary>
/// <param name="Name">Catalogue key, e.g. "face-resnet18".</param>
/// <param name="Summary">One line naming the paper.</param>
/// <param name="InputSize">Default (or, for imported models, required) input side S in pixels.</param>
/// <param name="Mean">Per-channel mean subtracted inside <c>forward</c> (RGB order; grey uses the first value).</param>
/// <param name="Std">Per-channel standard deviation divided by inside <c>forward</c> (RGB order).</param>
/// <param name="Create">Factory (throws <see cref="ArgumentOutOfRangeException"/> on invalid configurations).</param>
public sealed record RecognizerEntry(string Name, string Summary, int InputSize, float[] Mean, float[] Std, Func<RecognizerConfig, FaceRecognizer> Create)
{
    /// <summary>Value range of the images the recogniser is fed: [0, 1].</summary>
    public (float Min, float Max) Range { get; init; } = (0f, 1f);

    /// <summary>Embedding width D: the default for SrFace's own recognisers, fixed by the weights for pretrained ones.</summary>
    public int EmbeddingSize { get; init; } = 128;

    /// <summary>Pretrained weights in the model store, or null for a recogniser trained by SrFace only.</summary>
    public PretrainedWeights? Pretrained { get; init; }

    /// <summary>How the recogniser's authors compare raw embeddings (<see cref="EmbeddingDistance.Cosine"/> for SrFace's own).</summary>
    public EmbeddingDistance NativeDistance { get; init; } = EmbeddingDistance.Cosine;

    /// <summary>The authors' same-person threshold for <see cref="NativeDistance"/> (dlib: Euclidean 0.6), or null.</summary>
    public double? NativeThreshold { get; init; }

    /// <summary>How faces are framed for this recogniser.</summary>
    public FaceAlignmentTemplate Alignment { get; init; } = FaceAlignmentTemplate.CentredCrop;

    /// <summary>
    /// For pre-aligned images without landmarks (LFW deep-funneled, 250 x 250): the centred crop, as a fraction of the
    /// shorter side, that best matches the recogniser's framing, chosen on LFW View 1 DevTrain pairs only.
    /// </summary>
    public double CentredCropFraction { get; init; } = 0.48;

    /// <summary>
    /// Cosine-similarity threshold of the pretrained weights with faces aligned by <see cref="Alignment"/>, chosen for
    /// best accuracy on LFW View 1 DevTrain pairs (the calibration of <c>srface evaluate</c>), or null.
    /// </summary>
    public double? CalibratedThreshold { get; init; }

    /// <summary>The same with the <see cref="CentredCropFraction"/> crop instead of alignment, or null.</summary>
    public double? CalibratedCropThreshold { get; init; }

    /// <summary>
    /// Open-set identification threshold (<see cref="Cascade.CascadeManifest.OpenSetThreshold"/>) with faces aligned by
    /// <see cref="Alignment"/>: the cosine at which a chosen share of searches by people outside the gallery still
    /// return a candidate (FPIR), calibrated on LFW View 1 DevTrain people (<c>srface evaluate --protocol open-set</c>), or null.
    /// </summary>
    public double? CalibratedOpenSetThreshold { get; init; }
}
