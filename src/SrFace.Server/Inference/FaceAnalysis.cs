using SrFace.Data;
using SrFace.Imaging;
using SrFace.Recognition;
using static TorchSharp.torch;

namespace SrFace.Server.Inference;

/// <summary>The images the web page shows: the face crop, the low-resolution probe and the restored face (PNG bytes).</summary>
/// <param name="Crop">The face crop at min(crop side, S) px.</param>
/// <param name="Probe">The low-resolution probe the recogniser sees (degraded to the probe size, or the crop itself when it is smaller than S); null for a sharp face.</param>
/// <param name="Restored">The SR model's restoration of the probe at S px; null for a sharp face.</param>
internal sealed record FaceViews(byte[] Crop, byte[]? Probe, byte[]? Restored);

/// <summary>Work run on the inference thread (<see cref="InferenceWorker"/>), one upload at a time.</summary>
internal static class FaceAnalysis
{
    /// <summary>Decodes an upload and embeds it as <c>srface identify --probe-size</c> embeds a file.</summary>
    /// <exception cref="FaceNotFoundException">When the model detects faces and the upload shows none.</exception>
    public static float[] Embed(InferenceModels m, Upload upload, int? probeSize) => EmbedFace(m, upload, probeSize).Embedding;

    /// <summary>
    /// As <see cref="Embed"/>, with the face used as <c>srface verify/identify --json</c> reports it (<see cref="UsedFace"/>:
    /// box and landmarks in pixels of the upright upload, detector, faces found; a centred crop has no box).
    /// </summary>
    /// <exception cref="FaceNotFoundException">When the model detects faces and the upload shows none.</exception>
    public static (float[] Embedding, UsedFace Face) EmbedFace(InferenceModels m, Upload upload, int? probeSize)
    {
        var image = m.Reader.Decode(upload.Bytes, upload.Label);
        var face = m.Embedder.EmbedImageFace(image, upload.Label, probeSize);
        return (face.Embedding, UsedFace.From(face, m.Embedder.Preprocessing.Alignment));
    }

    /// <summary>The crop, probe and restored face of an upload (<see cref="FaceViews"/>).</summary>
    public static FaceViews Views(InferenceModels m, Upload upload, int? probeSize)
    {
        var (crop, probe) = CropAndProbe(m, upload, probeSize);
        var restored = probe is null ? null : m.Cascade.Restore(probe.unsqueeze(0))[0];
        return new FaceViews(PngWriter.Encode(crop), probe is null ? null : PngWriter.Encode(probe), restored is null ? null : PngWriter.Encode(restored));
    }

    /// <summary>The restored face of an upload as PNG: the probe restored to S px (a sharp face is only resized to S).</summary>
    public static byte[] RestorePng(InferenceModels m, Upload upload, int? probeSize)
    {
        var (crop, probe) = CropAndProbe(m, upload, probeSize);
        return PngWriter.Encode(m.Cascade.Restore((probe ?? crop).unsqueeze(0))[0]);
    }

    private static (Tensor Crop, Tensor? Probe) CropAndProbe(InferenceModels m, Upload upload, int? probeSize)
    {
        var image = m.Reader.Decode(upload.Bytes, upload.Label);
        var preprocessing = m.Embedder.Preprocessing;
        var size = m.Cascade.InputSize;
        var side = preprocessing.CropSide((int)image.shape[1], (int)image.shape[2]);
        var target = Math.Min(probeSize ?? side, size);
        if (target < Cascade.FaceRecognitionCascade.MinimumFaceSide)
            throw new InvalidDataException($"{upload.Label}: the face crop is {target}x{target} pixels; at least {Cascade.FaceRecognitionCascade.MinimumFaceSide}x{Cascade.FaceRecognitionCascade.MinimumFaceSide} are needed to recognise a face.");
        var crop = FaceCropper.CropAndResize(image, preprocessing with { Size = Math.Min(side, size) }, upload.Label);
        var probe = target < size ? FaceCropper.CropAndResize(image, preprocessing with { Size = target }, upload.Label) : null;
        return (crop, probe);
    }
}
