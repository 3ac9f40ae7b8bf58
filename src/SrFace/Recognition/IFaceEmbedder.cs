using SrFace.Data;

namespace SrFace.Recognition;

/// <summary>
/// The one embedding path of verification, enrolment, identification and the HTTP service, whatever runs the cascade:
/// <see cref="FaceEmbedder"/> (TorchSharp, a <c>.srface</c> cascade or a pretrained recogniser) or
/// <see cref="Export.OnnxCascade"/> (ONNX Runtime, a file from <c>srface export</c>). Both prepare faces with the one
/// preprocessing stage (<see cref="FacePreparer"/>), take the cascade's restoration decision by the same rule
/// (<see cref="Cascade.FaceRecognitionCascade.IsBelowRestorationLimit"/>) and return L2-normalised embeddings of the
/// same model, so a gallery built through one is searched through the other when <see cref="ModelId"/> matches.
/// </summary>
public interface IFaceEmbedder
{
    /// <summary>The model's identity recorded in galleries (<see cref="FaceEmbedder.ModelIdOf"/>: weights and fusion; an
    /// export carries the id of the cascade it was written from).</summary>
    string ModelId { get; }

    /// <summary>Width of every embedding: D, or 2D under concatenation fusion.</summary>
    int EmbeddingDimension { get; }

    /// <summary>The face framing in use; its size is the recogniser input S.</summary>
    FacePreprocessing Preprocessing { get; }

    /// <summary>The model's file (or name), for messages.</summary>
    string ModelName { get; }

    /// <summary>The model's calibrated verification threshold (cosine, best accuracy on LFW View 1 DevTrain pairs), or null.</summary>
    double? Threshold { get; }

    /// <summary>The model's open-set identification threshold (cosine, calibrated at a low false-positive
    /// identification rate, see <see cref="Cascade.CascadeManifest.OpenSetThreshold"/>), or null.</summary>
    double? OpenSetThreshold { get; }

    /// <summary>Embeds image files: the largest face of each (or the image's crop, see <see cref="FaceEmbedder.FramingGiven"/>).</summary>
    /// <param name="paths">JPEG, PNG or PGM files.</param>
    /// <param name="probeSize">Degrade every face to this side in px (bicubic, antialiased) first; null to keep them.</param>
    /// <param name="batchSize">Files embedded at once, &gt;= 1.</param>
    /// <param name="progress">Called with the number of files embedded so far; null for none.</param>
    /// <param name="cropFraction">A centred crop of every image as a fraction of its shorter side, in (0, 1], instead
    /// of the model's framing; null for none.</param>
    /// <returns>One entry per path, in order, each embedding of length <see cref="EmbeddingDimension"/>.</returns>
    /// <exception cref="FaceNotFoundException">When the model aligns faces and a file shows none.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When a size or the crop fraction is out of range.</exception>
    /// <exception cref="FileNotFoundException">When a file does not exist.</exception>
    /// <exception cref="IOException">When a file is not a readable image.</exception>
    /// <exception cref="InvalidDataException">When a face is too small or has no texture, or the model gives a NaN or
    /// infinite embedding.</exception>
    EmbeddedFace[] EmbedFaces(IReadOnlyList<string> paths, int? probeSize = null, int batchSize = 32, Action<int>? progress = null, double? cropFraction = null);

    /// <summary>Embeds every face found in one image, largest first (one entry for a centred crop).</summary>
    /// <param name="path">JPEG, PNG or PGM file.</param>
    /// <param name="probeSize">Degrade every face to this side in px first; null to keep them.</param>
    /// <returns>One entry per face, at least one.</returns>
    /// <exception cref="FaceNotFoundException">When the model aligns faces and the image shows none.</exception>
    /// <exception cref="IOException">When the file cannot be read (<see cref="FileNotFoundException"/> when missing).</exception>
    /// <exception cref="InvalidDataException">As <see cref="EmbedFaces"/>.</exception>
    EmbeddedFace[] EmbedAllFaces(string path, int? probeSize = null);

    /// <summary>Embeds the largest face of one decoded image (an upload), exactly as <see cref="EmbedFaces"/> embeds a file.</summary>
    /// <param name="image">float32 <c>[C, H, W]</c> in [0, 1], upright, in the colour mode of <see cref="Preprocessing"/>; not modified or disposed.</param>
    /// <param name="source">Name of the image for messages.</param>
    /// <param name="probeSize">Degrade the face to this side in px first; null to keep it.</param>
    /// <returns>The embedding and the face it came from.</returns>
    /// <exception cref="FaceNotFoundException">When the model aligns faces and the image shows none.</exception>
    /// <exception cref="InvalidDataException">As <see cref="EmbedFaces"/>.</exception>
    EmbeddedFace EmbedImageFace(TorchSharp.torch.Tensor image, string source, int? probeSize = null);
}
