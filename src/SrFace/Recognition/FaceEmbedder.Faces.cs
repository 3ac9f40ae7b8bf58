using SrFace.Cascade;
using SrFace.Data;
using SrFace.Models;
using static TorchSharp.torch;

namespace SrFace.Recognition;

// The face side of FaceEmbedder: choosing the framing, the checks on each chip, and batched embedding.
public sealed partial class FaceEmbedder
{
    private void CheckProbeSize(int? probeSize) => FaceRecognitionCascade.CheckProbeSize(probeSize, Cascade.InputSize);

    private CroppedFace[] Crop(string path, int? probeSize, double? cropFraction, bool allFaces)
    {
        using var scope = NewDisposeScope();
        return CropImages(_reader.Read(path), path, probeSize, cropFraction, allFaces);
    }

    /// <summary>
    /// The preprocessing stage (<see cref="FacePreparer"/>) at the face's own resolution: S for a sharp face, the probe
    /// size (or the face's native side when smaller) for a low-quality one. A given crop fraction, or an image smaller
    /// than S without one (a tight face crop already), is a centred crop instead of the model's framing. The largest
    /// face, or with <paramref name="allFaces"/> every face, largest first.
    /// </summary>
    private CroppedFace[] CropImages(Tensor image, string path, int? probeSize, double? cropFraction, bool allFaces)
    {
        using var scope = NewDisposeScope();
        var (height, width) = ((int)image.shape[1], (int)image.shape[2]);
        var framing = Preprocessing.FramingFor(height, width, cropFraction, FramingGiven);
        var preparer = framing == Preprocessing ? _preparer : new FacePreparer(framing);
        int SideFor(int native) => Math.Max(1, Math.Min(probeSize ?? native, Cascade.InputSize));
        var prepared = allFaces ? preparer.PrepareAll(image, path, SideFor) : [preparer.Prepare(image, path, SideFor)];
        return prepared.Select((face, i) => Checked(face, prepared.Count == 1 ? path : $"{path} (face {i + 1} of {prepared.Count})", probeSize, framing.Alignment)).ToArray();
    }

    /// <summary>
    /// Refuses a chip too small to recognise or without texture; keeps its pixels as a managed array, with the face's
    /// side in the photo and the cascade's decision to restore it. The side is the detector box side (the crop side
    /// for a centred crop), scaled down by the degradation when <paramref name="probeSize"/> makes the face smaller.
    /// </summary>
    private CroppedFace Checked(PreparedFace prepared, string path, int? probeSize, FaceAlignmentTemplate framing)
    {
        var side = (int)prepared.Chip.shape[1];
        if (side < FaceRecognitionCascade.MinimumFaceSide)
            throw new InvalidDataException($"{path}: the face is {side}x{side} pixels; at least {FaceRecognitionCascade.MinimumFaceSide}x{FaceRecognitionCascade.MinimumFaceSide} are needed to recognise a face.");
        var pixels = prepared.Chip.contiguous().data<float>().ToArray();
        RequireTexture(pixels, path);
        var faceSide = FaceSideInPhoto(prepared.Face, prepared.NativeSide, probeSize);
        return new CroppedFace(pixels, side, prepared.NativeSide, prepared.Face, prepared.FacesFound, faceSide, Cascade.NeedsRestoration(faceSide, framing));
    }

    /// <summary>
    /// The face's side in the photo, the measure of <see cref="FaceRecognitionCascade.NeedsRestoration"/>: the detector
    /// box side (the crop side for a centred crop), scaled down when <paramref name="probeSize"/> degrades the face.
    /// </summary>
    /// <param name="face">The detected face, or null for a centred crop.</param>
    /// <param name="nativeSide">The side of the photo region the chip was taken from, in px.</param>
    /// <param name="probeSize">The probe side the face is degraded to, or null.</param>
    /// <returns>The face side in photo pixels, &gt;= 0.</returns>
    public static double FaceSideInPhoto(Detection.DetectedFace? face, int nativeSide, int? probeSize)
    {
        var degradation = probeSize is { } p ? Math.Min(1.0, (double)p / Math.Max(1, nativeSide)) : 1.0;
        return (face?.Size.BoxSide ?? nativeSide) * degradation;
    }

    /// <summary>Embeds cropped faces batched by chip side and restoration decision; <paramref name="source"/> names face i in messages.</summary>
    private EmbeddedFace[] EmbedCropped(IReadOnlyList<CroppedFace> faces, Func<int, string> source)
    {
        var result = new EmbeddedFace[faces.Count];
        foreach (var group in Enumerable.Range(0, faces.Count).GroupBy(i => (faces[i].Side, faces[i].Restore)))
        {
            var indices = group.ToArray();
            var (side, restore) = group.Key;
            var channels = faces[indices[0]].Pixels.Length / (side * side);
            foreach (var i in indices)
                if (faces[i].Pixels.Length != channels * side * side)
                    throw new InvalidDataException($"{source(i)}: has {faces[i].Pixels.Length / (side * side)} channels, {source(indices[0])} has {channels}; use ColorMode.Rgb or Grey.");
            var batch = tensor(indices.SelectMany(i => faces[i].Pixels).ToArray(), [indices.Length, channels, side, side]); // [n, C, side, side]
            var embeddings = Cascade.Embed(batch, restore);                                    // [n, D] or [n, 2D]
            var values = embeddings.contiguous().data<float>().ToArray();
            var width = (int)embeddings.shape[1];
            for (var k = 0; k < indices.Length; k++)
            {
                var row = values[(k * width)..((k + 1) * width)];
                // A NaN embedding would compare as "different" (or rank last) without a word: it is an error.
                if (!row.All(float.IsFinite))
                    throw new InvalidDataException($"{Cascade.SourcePath ?? "the model"}: gives a NaN or infinite embedding for {source(indices[k])} (damaged or diverged weights); no similarity can be computed.");
                var face = faces[indices[k]];
                result[indices[k]] = new EmbeddedFace(row, face.Side, face.NativeSide, face.Face, face.FacesFound, face.Restore, face.FaceSide);
            }
        }
        return result;
    }

    private sealed record CroppedFace(float[] Pixels, int Side, int NativeSide, Detection.DetectedFace? Face, int FacesFound, double FaceSide, bool Restore);

    /// <summary>
    /// Refuses a face chip without texture (pixel standard deviation below <see cref="MinimumContrast"/>); managed
    /// code only, shared with the ONNX Runtime path (<see cref="Export.OnnxCascade"/>).
    /// </summary>
    /// <param name="pixels">The chip's values, any layout.</param>
    /// <param name="path">The image, for the message.</param>
    /// <exception cref="InvalidDataException">When the chip is near-constant.</exception>
    internal static void RequireTexture(float[] pixels, string path)
    {
        var contrast = StandardDeviation(pixels);
        if (contrast < MinimumContrast)
            throw new InvalidDataException(FormattableString.Invariant(
                $"{path}: the face crop has no texture (pixel standard deviation {contrast:0.0000} < {MinimumContrast}); a near-constant image shows no face and would match any other such image."));
    }

    private static double StandardDeviation(float[] values)
    {
        double sum = 0, squares = 0;
        foreach (var v in values) { sum += v; squares += (double)v * v; }
        var mean = sum / values.Length;
        return Math.Sqrt(Math.Max(0, squares / values.Length - mean * mean));
    }
}
