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
    string Description);
