using SrFace.Imaging;
using SrFace.Recognition;
using static TorchSharp.torch;

namespace SrFace.Server.Inference;

/// <summary>The images the web page shows: the face the preparation stage produced, the low-resolution probe and its restoration (PNG bytes).</summary>
/// <param name="Crop">The face as the preparation stage produced it (aligned to the recogniser's template, or the centred
/// crop of a centred-crop model) at min(native side, S) px.</param>
/// <param name="Probe">The low-resolution probe the cascade restores (the face degraded to the probe size, or the face
/// itself when it is small); null when the cascade embeds the face with the recogniser alone.</param>
/// <param name="Restored">The SR model's restoration of the probe at S px; null with <paramref name="Probe"/>.</param>
internal sealed record FaceViews(byte[] Crop, byte[]? Probe, byte[]? Restored);

/// <summary>Work run on the inference thread (<see cref="InferenceWorker"/>), one upload at a time.</summary>
internal static class FaceAnalysis
{
    /// <summary>
    /// Decodes an upload and embeds it as <c>srface verify/identify --json</c> embeds a file, with the face used
    /// (<see cref="UsedFace"/>: box and landmarks in pixels of the upright upload, detector, faces found, face side and
    /// whether it was restored; a centred crop has no box).
    /// </summary>
    /// <exception cref="Data.FaceNotFoundException">When the model detects faces and the upload shows none.</exception>
    public static (float[] Embedding, UsedFace Face) EmbedFace(InferenceModels m, Upload upload, int? probeSize)
    {
        // Under ONNX Runtime the upload is decoded in managed code: the server then needs no libtorch.
        var face = m.Embedder is Export.OnnxCascade onnx
            ? onnx.EmbedImageFace(ManagedFacePreprocessing.Decode(upload.Bytes, upload.Label, onnx.Preprocessing.Color, m.Reader.MaxPixels), upload.Label, probeSize)
            : m.Embedder.EmbedImageFace(m.Reader.Decode(upload.Bytes, upload.Label), upload.Label, probeSize);
        return (face.Embedding, UsedFace.From(face, m.Embedder.Preprocessing.Alignment));
    }

    /// <summary>The prepared face, probe and restored face of an upload (<see cref="FaceViews"/>), as the embedding path prepares and restores them.</summary>
    /// <returns>The views, or null under ONNX Runtime (the export's graph gives embeddings, not images; the answer says so by a null).</returns>
    public static FaceViews? Views(InferenceModels m, Upload upload, int? probeSize)
    {
        if (m.Cascade is null) return null;
        var (cascade, embedder) = Torch(m, "identify?images=true");
        var image = m.Reader.Decode(upload.Bytes, upload.Label);
        var face = embedder.PrepareImageFace(image, upload.Label);
        var probe = probeSize is null ? face : embedder.PrepareImageFace(image, upload.Label, probeSize);
        if (!probe.Restore) return new FaceViews(PngWriter.Encode(face.Chip), null, null);
        var restored = cascade.Restore(probe.Chip.unsqueeze(0))[0];
        return new FaceViews(PngWriter.Encode(face.Chip), PngWriter.Encode(probe.Chip), PngWriter.Encode(restored));
    }

    /// <summary>The restored face of an upload as PNG: the prepared face (degraded to the probe size when given) restored
    /// to S px by the SR model (a face at least S px wide, or a model without SR, is only resized to S).</summary>
    /// <exception cref="NotSupportedException">Under ONNX Runtime: the export's graph gives embeddings, not images.</exception>
    public static byte[] RestorePng(InferenceModels m, Upload upload, int? probeSize)
    {
        var (cascade, embedder) = Torch(m, "/v1/restore");
        var image = m.Reader.Decode(upload.Bytes, upload.Label);
        var probe = embedder.PrepareImageFace(image, upload.Label, probeSize);
        return PngWriter.Encode(cascade.Restore(probe.Chip.unsqueeze(0))[0]);
    }

    /// <summary>The TorchSharp cascade and embedder that restoration images need; refused under ONNX Runtime.</summary>
    private static (Cascade.FaceRecognitionCascade Cascade, FaceEmbedder Embedder) Torch(InferenceModels m, string what) =>
        m is { Cascade: { } cascade, Embedder: FaceEmbedder embedder } ? (cascade, embedder)
            : throw new NotSupportedException($"{what} shows the SR model's restoration, which an ONNX export does not output (its graph gives embeddings): run the server with --runtime torch and the .srface model for it.");
}
