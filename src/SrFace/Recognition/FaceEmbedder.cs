using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using SrFace.Cascade;
using SrFace.Data;
using SrFace.Imaging;
using SrFace.Models;
using static TorchSharp.torch;

namespace SrFace.Recognition;

/// <summary>
/// Embeds face image files and decoded photos with a <see cref="FaceRecognitionCascade"/>, in batches: the face is prepared
/// at the photo's own resolution (<see cref="FacePreparer"/>), the cascade decides from the face's size in the photo
/// whether it is a low-quality probe (<see cref="FaceRecognitionCascade.NeedsRestoration"/>: restored by the SR model and
/// fused, METHOD.md step 12) or a face large enough for the recogniser alone, and embeds it
/// (<see cref="FaceRecognitionCascade.Embed"/>). An image small enough to be a tight face crop already
/// (<see cref="FacePreprocessing.FramingFor"/>) is used whole, unless a crop is given (<see cref="FramingGiven"/>).
/// </summary>
/// <remarks>
/// The crop can be overridden (ORL needs the
/// whole 92x92 centred square, <see cref="FacePreprocessing.Orl"/>, whereas an LFW-trained model crops 48 %), and a
/// probe can be degraded to <c>probeSize</c> px (bicubic, antialiased) to try low-quality probes made from sharp
/// files. With <see cref="FeatureFusion.Concatenate"/> a sharp face's embedding e is written as [e, e] / sqrt(2), which
/// is what the fused probe embedding becomes when restoration is perfect, so sharp and low-quality faces share one
/// 2D-wide space and can be compared and enrolled together.
/// </remarks>
public sealed partial class FaceEmbedder : IFaceEmbedder
{
    private readonly FaceImageReader _reader;
    private readonly FacePreparer _preparer;

    /// <summary>
    /// Smallest standard deviation of a face crop's pixel values (on the [0, 1] scale, over all channels, at the size it
    /// is embedded at) that is taken as a face. Near-constant images carry no identity, yet two of them score a cosine
    /// near 1 ("same person"), so they are refused. Measured real faces stay well above: the lowest of 1,900 crops
    /// (1,500 LFW at the 0.48 crop, 400 ORL whole) was 0.049 at 4 px, 0.080 at 8 px and 0.11 at 64 px.
    /// </summary>
    public const double MinimumContrast = 0.02;

    /// <summary>Creates an embedder; the cascade stays owned by the caller.</summary>
    /// <param name="cascade">The loaded cascade.</param>
    /// <param name="preprocessing">Face crop to use instead of the model's (its size is ignored: the crop is taken
    /// at the file's resolution and the recogniser input is always S); null for the model's own.</param>
    /// <exception cref="ArgumentOutOfRangeException">When the preprocessing is out of range.</exception>
    public FaceEmbedder(FaceRecognitionCascade cascade, FacePreprocessing? preprocessing = null)
    {
        Cascade = cascade ?? throw new ArgumentNullException(nameof(cascade));
        Preprocessing = (preprocessing ?? cascade.Preprocessing) with { Size = cascade.InputSize };
        Preprocessing.Validate();
        _reader = new FaceImageReader(Preprocessing.Color);
        _preparer = Preprocessing == cascade.Preprocessing ? cascade.Preparer : new FacePreparer(Preprocessing, cascade.Detector);
        FramingGiven = preprocessing is not null;
        ModelId = ModelIdOf(cascade);
    }

    /// <summary>The cascade that embeds the faces.</summary>
    public FaceRecognitionCascade Cascade { get; }

    /// <summary>The face crop in use; <see cref="FacePreprocessing.Size"/> is the recogniser input S.</summary>
    public FacePreprocessing Preprocessing { get; }

    /// <summary>
    /// True when the face crop was given to the constructor. When false (the model's own crop), an image small enough
    /// to be a face crop already (<see cref="FacePreprocessing.IsTightCrop"/>) is used whole (its centred square),
    /// instead of being cropped again to a sliver or searched for a face the detectors cannot find.
    /// </summary>
    public bool FramingGiven { get; }

    /// <summary>Width of every embedding this embedder returns: D, or 2D with concatenation fusion.</summary>
    public int EmbeddingDimension => Cascade.EmbeddingDimension;

    /// <summary>Identifier of the cascade's weights and fusion (see <see cref="ModelIdOf"/>), recorded in galleries.</summary>
    public string ModelId { get; }

    /// <summary>The cascade's file, or its recogniser's name when it was built in memory (a pretrained recogniser).</summary>
    public string ModelName => Cascade.SourcePath ?? Cascade.Manifest.Recognizer;

    /// <summary>The cascade's calibrated verification threshold (<see cref="FaceRecognitionCascade.Threshold"/>), or null.</summary>
    public double? Threshold => Cascade.Threshold;

    /// <summary>The cascade's open-set identification threshold (<see cref="FaceRecognitionCascade.OpenSetThreshold"/>), or null.</summary>
    public double? OpenSetThreshold => Cascade.OpenSetThreshold;

    /// <summary>
    /// A gallery model id: recogniser and SR names, fusion, and the first 16 hex digits of a SHA-256 over every
    /// weight (state-dict names and bytes). Recalibrating the threshold or re-saving the file keeps it; retraining
    /// changes it.
    /// </summary>
    /// <param name="cascade">The cascade.</param>
    /// <returns>E.g. <c>face-resnet18+fsrcnn/Mean sha256:0123456789abcdef</c>.</returns>
    public static string ModelIdOf(FaceRecognitionCascade cascade)
    {
        ArgumentNullException.ThrowIfNull(cascade);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var scope = NewDisposeScope();
        foreach (var module in new TorchSharp.torch.nn.Module?[] { cascade.Recognizer, cascade.SuperResolution })
        {
            if (module is null) continue;
            foreach (var (name, tensor) in module.state_dict())
            {
                sha.AppendData(Encoding.UTF8.GetBytes(name));
                // Channels-last parameters hash like NCHW ones: the logical layout is what identifies the weights.
                sha.AppendData(tensor.contiguous().bytes);
            }
        }
        var hash = Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
        var m = cascade.Manifest;
        var sr = m.SuperResolutionModel is null ? "" : $"+{m.SuperResolutionModel}/{m.Fusion}";
        return $"{m.Recognizer}{sr} sha256:{hash}";
    }

    /// <summary>Embeds one image file.</summary>
    /// <param name="path">JPEG, PNG or PGM file.</param>
    /// <param name="probeSize">Degrade the face crop to this side in px (bicubic, antialiased) first; null to keep it.</param>
    /// <param name="cropFraction">This image's face crop as a fraction of its shorter side, in (0, 1]; null for
    /// <see cref="Preprocessing"/> (and the whole image when it is a tight face crop and no crop was given).</param>
    /// <returns>L2-normalised embedding, length <see cref="EmbeddingDimension"/>.</returns>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="IOException">When the file is not a readable image.</exception>
    /// <exception cref="InvalidDataException">When the image is smaller than the face crop, has no texture
    /// (<see cref="MinimumContrast"/>), or the model gives a NaN or infinite embedding.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="cropFraction"/> is outside (0, 1].</exception>
    public float[] EmbedFile(string path, int? probeSize = null, double? cropFraction = null) => EmbedFiles([path], probeSize, cropFraction: cropFraction)[0];

    /// <summary>Embeds image files in batches of up to <paramref name="batchSize"/> (sharp and low-quality faces are batched apart).</summary>
    /// <param name="paths">JPEG, PNG or PGM files.</param>
    /// <param name="probeSize">Degrade every face crop to this side in px (bicubic, antialiased) first; null to keep them.</param>
    /// <param name="batchSize">Files read and embedded at once, &gt;= 1.</param>
    /// <param name="progress">Called after each batch with the number of files embedded so far; null for none.</param>
    /// <param name="cropFraction">Face crop of every image as a fraction of its shorter side, in (0, 1]; null for
    /// <see cref="Preprocessing"/> (and the whole image when it is a tight face crop and no crop was given).</param>
    /// <returns>One L2-normalised embedding per path, in order, each of length <see cref="EmbeddingDimension"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="probeSize"/> or <paramref name="batchSize"/> is below 1, or <paramref name="cropFraction"/> is outside (0, 1].</exception>
    /// <exception cref="FileNotFoundException">When a file does not exist.</exception>
    /// <exception cref="IOException">When a file is not a readable image.</exception>
    /// <exception cref="InvalidDataException">When an image is smaller than the face crop or has no texture
    /// (<see cref="MinimumContrast"/>; names the file), or the model
    /// gives a NaN or infinite embedding (names the model file and the image).</exception>
    public float[][] EmbedFiles(IReadOnlyList<string> paths, int? probeSize = null, int batchSize = 32, Action<int>? progress = null, double? cropFraction = null) =>
        EmbedFaces(paths, probeSize, batchSize, progress, cropFraction).Select(f => f.Embedding).ToArray();

    /// <summary>As <see cref="EmbedFiles"/>, with the face each embedding came from (box, landmarks, native size).</summary>
    /// <param name="paths">JPEG, PNG or PGM files.</param>
    /// <param name="probeSize">Degrade every face to this side in px first; null to keep them.</param>
    /// <param name="batchSize">Files read and embedded at once, &gt;= 1.</param>
    /// <param name="progress">Called after each batch with the number of files embedded so far; null for none.</param>
    /// <param name="cropFraction">A centred crop of every image as a fraction of its shorter side, instead of the model's framing; null for none.</param>
    /// <returns>One entry per path, in order.</returns>
    /// <exception cref="FaceNotFoundException">When the model aligns faces and a file shows none (names the file).</exception>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="EmbedFiles"/>.</exception>
    /// <exception cref="FileNotFoundException">When a file does not exist.</exception>
    /// <exception cref="IOException">When a file is not a readable image.</exception>
    /// <exception cref="InvalidDataException">As <see cref="EmbedFiles"/>.</exception>
    public EmbeddedFace[] EmbedFaces(IReadOnlyList<string> paths, int? probeSize = null, int batchSize = 32, Action<int>? progress = null, double? cropFraction = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (cropFraction is { } f && !(f > 0 && f <= 1)) throw new ArgumentOutOfRangeException(nameof(cropFraction), cropFraction, "A crop fraction lies in (0, 1].");
        CheckProbeSize(probeSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var result = new EmbeddedFace[paths.Count];
        for (var start = 0; start < paths.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(batchSize, paths.Count - start);
            var faces = new CroppedFace[count];
            // One image at a time: libtorch calls from several threads at once crashed natively (rarely, in clamp_)
            // while cropping. Workers hand back managed arrays, so raising the parallelism stays possible.
            try
            {
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 1 }, i => faces[i] = Crop(paths[start + i], probeSize, cropFraction, allFaces: false)[0]);
            }
            catch (AggregateException e)
            {
                // Surface the first failing file's own exception (e.g. FileNotFoundException), not the wrapper.
                ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
            EmbedCropped(faces, i => paths[start + i]).CopyTo(result, start);
            progress?.Invoke(start + count);
        }
        return result;
    }

    /// <summary>
    /// Embeds every face found in one image, largest box first (<c>identify --all-faces</c>); each as
    /// <see cref="EmbedFaces"/> embeds the largest.
    /// </summary>
    /// <param name="path">JPEG, PNG or PGM file.</param>
    /// <param name="probeSize">Degrade every face to this side in px first; null to keep them.</param>
    /// <returns>One entry per face, at least one: the single centred crop when the model does not align faces or the
    /// image is a tight face crop (see <see cref="FramingGiven"/>).</returns>
    /// <exception cref="FaceNotFoundException">When the model aligns faces and the image shows none (names the file).</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="probeSize"/> is below 1.</exception>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="IOException">When the file is not a readable image.</exception>
    /// <exception cref="InvalidDataException">As <see cref="EmbedFiles"/>.</exception>
    public EmbeddedFace[] EmbedAllFaces(string path, int? probeSize = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckProbeSize(probeSize);
        using var scope = NewDisposeScope();
        var faces = Crop(path, probeSize, null, allFaces: true);
        return EmbedCropped(faces, i => faces.Length == 1 ? path : $"{path} (face {i + 1} of {faces.Length})");
    }

    /// <summary>
    /// Embeds one decoded image (e.g. an upload decoded with <see cref="FaceImageReader.Decode"/> in
    /// <see cref="FacePreprocessing.Color"/> of <see cref="Preprocessing"/>), exactly as <see cref="EmbedFile"/> embeds a file.
    /// </summary>
    /// <param name="image">float32 <c>[C, H, W]</c> in [0, 1]; not modified or disposed.</param>
    /// <param name="source">Name of the image for messages.</param>
    /// <param name="probeSize">Degrade the face crop to this side in px (bicubic, antialiased) first; null to keep it.</param>
    /// <returns>L2-normalised embedding, length <see cref="EmbeddingDimension"/>.</returns>
    /// <exception cref="FaceNotFoundException">When the model aligns faces and the image shows none (names <paramref name="source"/>).</exception>
    /// <exception cref="InvalidDataException">When the face crop is too small to recognise or has no texture, or the
    /// model gives a NaN or infinite embedding.</exception>
    public float[] EmbedImage(Tensor image, string source, int? probeSize = null) => EmbedImageFace(image, source, probeSize).Embedding;

    /// <summary>
    /// As <see cref="EmbedImage"/>, with the face the embedding came from: its detector box and landmarks in the
    /// image's pixels and how many faces were found (the largest is used), as <see cref="EmbedFaces"/> gives for files.
    /// </summary>
    /// <param name="image">float32 <c>[C, H, W]</c> in [0, 1], upright (EXIF orientation applied); not modified or disposed.</param>
    /// <param name="source">Name of the image for messages.</param>
    /// <param name="probeSize">Degrade the face crop to this side in px (bicubic, antialiased) first; null to keep it.</param>
    /// <returns>The embedding (L2-normalised, length <see cref="EmbeddingDimension"/>) and its face; <see cref="EmbeddedFace.Face"/>
    /// is null for a centred crop.</returns>
    /// <exception cref="FaceNotFoundException">When the model aligns faces and the image shows none (names <paramref name="source"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="probeSize"/> is below 1.</exception>
    /// <exception cref="InvalidDataException">When the face crop is too small to recognise or has no texture, or the
    /// model gives a NaN or infinite embedding.</exception>
    public EmbeddedFace EmbedImageFace(Tensor image, string source, int? probeSize = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckProbeSize(probeSize);
        using var scope = NewDisposeScope();
        return EmbedCropped(CropImages(image, source, probeSize, null, allFaces: false), _ => source)[0];
    }

    /// <summary>
    /// The face of one decoded image as <see cref="EmbedImageFace"/> prepares it, without embedding it: the chip the
    /// preparation stage produced (aligned, or the centred crop) and the cascade's restoration decision. The HTTP
    /// service shows it (<c>identify?images=true</c>) and restores it (<c>/v1/restore</c>).
    /// </summary>
    /// <param name="image">float32 <c>[C, H, W]</c> in [0, 1], upright (EXIF orientation applied); not modified or disposed.</param>
    /// <param name="source">Name of the image for messages.</param>
    /// <param name="probeSize">Degrade the face to this side in px (bicubic, antialiased) first; null to keep it.</param>
    /// <returns>The largest face's chip <c>[C, s, s]</c> in [0, 1], s = min(native side, probe size, S), in the caller's dispose scope.</returns>
    /// <exception cref="FaceNotFoundException">When the model aligns faces and the image shows none (names <paramref name="source"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="probeSize"/> is below 1.</exception>
    /// <exception cref="InvalidDataException">When the face is too small to recognise or has no texture.</exception>
    public PreparedProbe PrepareImageFace(Tensor image, string source, int? probeSize = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckProbeSize(probeSize);
        var face = CropImages(image, source, probeSize, null, allFaces: false)[0];
        var channels = face.Pixels.Length / (face.Side * face.Side);
        return new PreparedProbe(tensor(face.Pixels, [channels, face.Side, face.Side]), face.NativeSide, face.Face, face.FacesFound, face.Restore, face.FaceSide);
    }
}
