using SrFace.Data;
using SrFace.Models;

namespace SrFace.Cascade;

/// <summary>
/// The JSON manifest of a cascade file: what to build (catalogue names and configurations), how faces are prepared,
/// and the calibrated verification threshold. Weights are separate entries of the same file.
/// </summary>
/// <param name="Kind">Always <see cref="FaceRecognitionCascade.Kind"/>.</param>
/// <param name="FormatVersion">File format version (1).</param>
/// <param name="SuperResolutionModel">SR catalogue name, or null for a recogniser-only model (the HR baseline).</param>
/// <param name="SuperResolution">SR configuration (scale, channels, width, blocks), or null.</param>
/// <param name="Recognizer">Recogniser catalogue name.</param>
/// <param name="RecognizerConfig">Recogniser configuration (input size, channels, embedding size, width).</param>
/// <param name="Preprocessing">Face crop and input size.</param>
/// <param name="Scale">The SR scale s: probes are brought to S/s px before restoration.</param>
/// <param name="Fusion">How probe and restored embeddings are fused.</param>
/// <param name="Threshold">Calibrated cosine-similarity threshold for verification (same person when score &gt;= threshold), or null before calibration.</param>
/// <param name="Description">Free text: how the model was trained (options summary).</param>
/// <param name="RestorationLimit">Which faces of a photo are low-quality probes that go through restoration and fusion:
/// those that, framed as the recogniser's template frames them (detector box side x the template's box scale, or the
/// centred crop side), span fewer than <c>RestorationLimit x S</c> photo pixels (see
/// <see cref="FaceRecognitionCascade.NeedsRestoration"/>); &gt; 0. Null (files written before the field existed, and the
/// default) means <see cref="DefaultRestorationLimit"/>.</param>
/// <param name="OpenSetThreshold">Cosine threshold for open-set identification (1:N), or null: a search whose best
/// score is below it is "unknown". Calibrated at a low false-positive identification rate (FPIR, ISO/IEC 19795-1 and
/// NIST FRVT 1:N: the fraction of searches by people not in the gallery that return a candidate), on searches by
/// people outside a gallery (<c>srface evaluate --protocol open-set</c>), because the pairwise
/// <see cref="Threshold"/> is met by some gallery template for many strangers once a gallery holds many people.</param>
public sealed record CascadeManifest(
    string Kind,
    int FormatVersion,
    string? SuperResolutionModel,
    SrModelConfig? SuperResolution,
    string Recognizer,
    RecognizerConfig RecognizerConfig,
    FacePreprocessing Preprocessing,
    int Scale,
    FeatureFusion Fusion,
    double? Threshold,
    string Description,
    double? RestorationLimit = null,
    double? OpenSetThreshold = null)
{
    /// <summary>
    /// The default restoration limit, 1: a face is restored when it would have to be upsampled to fill the recogniser's
    /// input S, i.e. when it carries fewer pixels than the recogniser was trained on; a larger face loses nothing by
    /// going through the recogniser alone. For centred crops this is the rule SrFace always applied (crop side &lt; S).
    /// </summary>
    public const double DefaultRestorationLimit = 1.0;
}
