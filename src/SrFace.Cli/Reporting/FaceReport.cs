using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SrFace.Detection;
using SrFace.Models;
using SrFace.Recognition;

namespace SrFace.Cli.Reporting;

/// <summary>
/// How <c>verify</c> and <c>identify</c> say which face of an image they used: the JSON fields (faces found, box,
/// detector, landmarks or the detector-box fallback) and one line of text. The fields are <see cref="UsedFace"/>
/// serialised (the shaping the HTTP service shares); this class adds the file and splits image from face fields for
/// <c>identify --all-faces</c>. Boxes and points are in original-image pixels after EXIF orientation (the upright
/// photo), rounded to 0.01 px.
/// </summary>
internal static class FaceReport
{
    /// <summary>The <c>fallback</c> value of a face too small for landmarks, aligned on its detector box instead.</summary>
    public const string DetectorBoxFallback = UsedFace.DetectorBoxFallback;

    /// <summary>The <see cref="UsedFace"/> fields that describe the image rather than one of its faces.</summary>
    private static readonly HashSet<string> ImageFields = [.. new[] { nameof(UsedFace.FacesFound), nameof(UsedFace.Framing), nameof(UsedFace.Note) }
        .Select(JsonNamingPolicy.CamelCase.ConvertName)];

    /// <summary>
    /// JSON of one image: <c>file</c>, <c>facesFound</c> (null for a centred crop: no detection ran), <c>framing</c>
    /// (<c>aligned</c> or <c>centred crop</c>) and, with several faces, a <c>note</c> on which one was used.
    /// </summary>
    /// <param name="path">The image file.</param>
    /// <param name="face">A face of the image (its face count and framing are the image's).</param>
    /// <param name="allFaces">True when every face is reported (<c>identify --all-faces</c>), false when the largest is used.</param>
    public static JsonObject Image(string path, EmbeddedFace face, bool allFaces = false) =>
        // The image fields do not depend on the alignment template (it only picks the landmark set of a face).
        WithFile(path, UsedFace.From(face, FaceAlignmentTemplate.CentredCrop, allFaces).ToJson(), key => ImageFields.Contains(key));

    /// <summary>
    /// JSON of one face: <c>box</c> {x, y, width, height}, <c>detector</c>, <c>score</c>, <c>landmarks</c> (the points the
    /// alignment used: 68, or the 5 of a five-point template, as [x, y] pairs; null when the face was too small for
    /// landmarks, with <c>"fallback": "detector box"</c>), all null for a centred crop; then <c>faceSidePx</c> (the face
    /// size the restoration decision used) and <c>restored</c> (whether the face went through restoration and fusion).
    /// </summary>
    /// <param name="face">The face.</param>
    /// <param name="alignment">The model's framing (which landmark set its template uses).</param>
    public static JsonObject Face(EmbeddedFace face, FaceAlignmentTemplate alignment) =>
        WithFile(null, UsedFace.From(face, alignment).ToJson(), key => !ImageFields.Contains(key));

    /// <summary>JSON of an image and the one face used in it: the fields of <see cref="Image"/> followed by those of <see cref="Face"/>.</summary>
    /// <param name="path">The image file.</param>
    /// <param name="face">The face used (the largest).</param>
    /// <param name="alignment">The model's framing.</param>
    public static JsonObject ImageAndFace(string path, EmbeddedFace face, FaceAlignmentTemplate alignment) =>
        WithFile(path, UsedFace.From(face, alignment).ToJson(), _ => true);

    /// <summary>The note on an image with several faces: "N faces found, using the largest" (or "identifying each"); null otherwise.</summary>
    /// <param name="face">A face of the image.</param>
    /// <param name="allFaces">True when every face is identified.</param>
    public static string? Note(EmbeddedFace face, bool allFaces = false) => UsedFace.NoteFor(face, allFaces);

    /// <summary>
    /// One line naming the face used, e.g. <c>A: 2 faces found, using the largest: box x 410, y 96, 52x61 px (tiny detector, 68 landmarks)</c>,
    /// or, when a model that aligns faces took the image whole as a tight face crop (no detection ran), a line saying
    /// so; null for a centred crop of a model that does not align faces (its normal framing).
    /// </summary>
    /// <param name="label">What the image is (e.g. <c>A</c> or its file name).</param>
    /// <param name="face">The face used.</param>
    /// <param name="alignment">The model's framing.</param>
    public static string? Describe(string label, EmbeddedFace face, FaceAlignmentTemplate alignment)
    {
        if (face.Face is not { } detected)
            return alignment == FaceAlignmentTemplate.CentredCrop ? null
                : $"{label}: no face detection: the image was taken whole as a face crop, not checked to be a face ({face.NativeSide} px; images up to {SrFace.Data.FacePreprocessing.UndetectableSide} px are, and so is any with a crop fraction given)";
        var note = Note(face) is { } n ? $"{n}: " : "";
        return $"{label}: {note}{Where(detected, alignment)}";
    }

    /// <summary>The box and how the face was aligned, e.g. <c>box x 410, y 96, 52x61 px (tiny detector, 68 landmarks)</c>.</summary>
    /// <param name="face">The detected face.</param>
    /// <param name="alignment">The model's framing.</param>
    public static string Where(DetectedFace face, FaceAlignmentTemplate alignment)
    {
        var b = face.Box;
        var landmarks = UsedFace.LandmarksUsed(face, alignment) is { } points
            ? $"{points.Count} landmarks"
            : $"too small for landmarks: aligned on the {DetectorBoxFallback}";
        return string.Create(CultureInfo.InvariantCulture, $"box x {b.X:0}, y {b.Y:0}, {b.Width:0}x{b.Height:0} px ({UsedFace.DetectorName(face.Detector)} detector, {landmarks})");
    }

    /// <summary><c>file</c> (when given) followed by the fields of <paramref name="fields"/> that <paramref name="keep"/> keeps, in order.</summary>
    private static JsonObject WithFile(string? path, JsonObject fields, Func<string, bool> keep)
    {
        var json = path is null ? new JsonObject() : new JsonObject { ["file"] = path };
        foreach (var (key, value) in fields)
            if (keep(key)) json[key] = value?.DeepClone();
        return json;
    }
}
