using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SrFace.Data;
using SrFace.Detection;
using SrFace.Models;

namespace SrFace.Recognition;

/// <summary>A face box in pixels of the upright image (after EXIF orientation), rounded to 0.01 px.</summary>
/// <param name="X">Left edge, pixels (continuous coordinates: the image spans [0, W]).</param>
/// <param name="Y">Top edge, pixels.</param>
/// <param name="Width">Width, pixels.</param>
/// <param name="Height">Height, pixels.</param>
public sealed record UsedFaceBox(double X, double Y, double Width, double Height);

/// <summary>
/// Which face of an image a recognition used, as <c>srface verify/identify --json</c> and the HTTP service
/// (<c>POST /v1/verify</c>, <c>/v1/identify</c>) report it: the one shaping of an <see cref="EmbeddedFace"/> for output.
/// Serialised with the web defaults (camelCase, <see cref="ToJson"/>), it reads <c>{"facesFound", "framing", "note"?,
/// "box", "detector", "score", "landmarks", "fallback"?, "faceSidePx", "restored"}</c>; <c>note</c> and <c>fallback</c>
/// are left out when null.
/// Boxes and points are in original-image pixels after EXIF orientation (the upright photo), rounded to 0.01 px.
/// </summary>
/// <param name="FacesFound">How many faces the detector found in the image (the largest is used); null for a centred
/// crop (no detection ran).</param>
/// <param name="Framing"><see cref="Aligned"/> (detected and aligned) or <see cref="CentredCrop"/>.</param>
/// <param name="Note">With several faces, which one was used: "N faces found, using the largest" (or "identifying
/// each"); null otherwise (and then not serialised).</param>
/// <param name="Box">The detector box; null for a centred crop.</param>
/// <param name="Detector">The network that found the face: <c>tiny</c>, <c>ssd</c> or <c>tiny-large</c>; null for a centred crop.</param>
/// <param name="Score">The detector's confidence, rounded to 4 decimals (scores of different detectors are not
/// comparable); null for a centred crop.</param>
/// <param name="Landmarks">The points the alignment used as [x, y] pairs: 68, or the 5 of a five-point template; null
/// for a centred crop, or for a face too small for landmarks (then <see cref="Fallback"/> says so).</param>
/// <param name="Fallback"><see cref="DetectorBoxFallback"/> when the face was too small for landmarks and was aligned on
/// its detector box instead; null otherwise (and then not serialised).</param>
/// <param name="FaceSidePx">The face size the cascade's restoration decision used, in photo pixels rounded to 0.01: the
/// detector box side (the crop side for a centred crop), scaled down when a probe size degraded the face.</param>
/// <param name="Restored">True when the face was judged a low-quality probe and went through restoration and fusion;
/// false when the recogniser alone embedded it (a large face, or a model without SR).</param>
public sealed record UsedFace(
    int? FacesFound,
    string Framing,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Note,
    UsedFaceBox? Box,
    string? Detector,
    double? Score,
    IReadOnlyList<double[]>? Landmarks,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Fallback,
    double FaceSidePx,
    bool Restored)
{
    /// <summary>The <see cref="Framing"/> of a detected and aligned face.</summary>
    public const string Aligned = "aligned";

    /// <summary>The <see cref="Framing"/> of a centred crop: no detection ran, so there is no box.</summary>
    public const string CentredCrop = "centred crop";

    /// <summary>The <see cref="Fallback"/> of a face too small for landmarks, aligned on its detector box instead.</summary>
    public const string DetectorBoxFallback = "detector box";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>The report of an embedded face.</summary>
    /// <param name="face">The face (from <see cref="FaceEmbedder.EmbedFaces"/>, <see cref="FaceEmbedder.EmbedAllFaces"/>
    /// or <see cref="FaceEmbedder.EmbedImageFace"/>).</param>
    /// <param name="alignment">The model's framing (<see cref="FacePreprocessing.Alignment"/>), which decides the landmark
    /// set reported: 68 for dlib's chip, the 5 points of a five-point template.</param>
    /// <param name="allFaces">True when every face of the image is reported (<c>identify --all-faces</c>), false when the
    /// largest is used; only changes <see cref="Note"/>.</param>
    public static UsedFace From(EmbeddedFace face, FaceAlignmentTemplate alignment, bool allFaces = false)
    {
        ArgumentNullException.ThrowIfNull(face);
        var detected = face.Face;
        return new UsedFace(
            detected is null ? null : face.FacesFound,
            detected is null ? CentredCrop : Aligned,
            NoteFor(face, allFaces),
            detected is null ? null : new UsedFaceBox(Round(detected.Box.X), Round(detected.Box.Y), Round(detected.Box.Width), Round(detected.Box.Height)),
            detected is null ? null : DetectorName(detected.Detector),
            detected is null ? null : Math.Round(detected.Score, 4),
            LandmarksUsed(detected, alignment)?.Select(p => new[] { Round(p.X), Round(p.Y) }).ToArray(),
            detected is { LandmarksFromBox: true } ? DetectorBoxFallback : null,
            Round(face.FaceSidePx),
            face.Restored);
    }

    /// <summary>The note on an image with several faces: "N faces found, using the largest" (or "identifying each"); null otherwise.</summary>
    /// <param name="face">A face of the image.</param>
    /// <param name="allFaces">True when every face is identified.</param>
    public static string? NoteFor(EmbeddedFace face, bool allFaces = false)
    {
        ArgumentNullException.ThrowIfNull(face);
        return face.Face is not null && face.FacesFound > 1 ? $"{face.FacesFound} faces found, {(allFaces ? "identifying each" : "using the largest")}" : null;
    }

    /// <summary>The landmarks an alignment used: the 68 points, or the five of a five-point template; null when there are none.</summary>
    /// <param name="face">The detected face; null for a centred crop.</param>
    /// <param name="alignment">The model's framing.</param>
    public static IReadOnlyList<PointF2>? LandmarksUsed(DetectedFace? face, FaceAlignmentTemplate alignment)
    {
        if (face?.Landmarks68 is not { } all) return null;
        return FacePreparer.TemplateOf(alignment) is { Landmark68Indices: null } ? face.FivePoints!.Points : all;
    }

    /// <summary>The name a report gives a detector: <c>tiny</c>, <c>ssd</c> or <c>tiny-large</c>.</summary>
    /// <param name="kind">The detector.</param>
    public static string DetectorName(FaceDetectorKind kind) => kind switch
    {
        FaceDetectorKind.Tiny => "tiny",
        FaceDetectorKind.Ssd => "ssd",
        _ => "tiny-large",
    };

    /// <summary>This report as a JSON object, serialised as the HTTP service serialises it (camelCase; <c>note</c> and
    /// <c>fallback</c> left out when null, every other field present, null when it does not apply).</summary>
    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, JsonOptions)!.AsObject();

    private static double Round(double value) => Math.Round(value, 2);
}
