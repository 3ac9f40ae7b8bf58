using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using SrFace.Cascade;
using SrFace.Data;
using SrFace.Imaging;
using static TorchSharp.torch;

namespace SrFace.Recognition;

/// <summary>
/// Embeds face image files with a <see cref="FaceRecognitionCascade"/>, in batches: the face crop is taken at the file's own
/// resolution; a crop at least S px wide is a sharp face (recogniser on the crop resized to S), a smaller one a
/// low-quality probe restored by the SR model and fused (METHOD.md step 12). An image smaller than S is taken to be
/// a face crop already and is used whole, unless a crop is given (<see cref="FramingGiven"/>).
/// </summary>
/// <remarks>
/// The crop can be overridden (ORL needs the
/// whole 92x92 centred square, <see cref="FacePreprocessing.Orl"/>, whereas an LFW-trained model crops 48 %), and a
/// probe can be degraded to <c>probeSize</c> px (bicubic, antialiased) to try low-quality probes made from sharp
/// files. With <see cref="FeatureFusion.Concatenate"/> a sharp face's embedding e is written as [e, e] / sqrt(2), which
/// is what the fused probe embedding becomes when restoration is perfect, so sharp and low-quality faces share one
/// 2D-wide space and can be compared and enrolled together.
/// </remarks>
public sealed class FaceEmbedder
{
    private readonly FaceImageReader _reader;
    private readonly bool _concatenate;

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
        _concatenate = cascade.SuperResolution is not null && cascade.Manifest.Fusion == FeatureFusion.Concatenate;
        FramingGiven = preprocessing is not null;
        ModelId = ModelIdOf(cascade);
    }

    /// <summary>The cascade that embeds the faces.</summary>
    public FaceRecognitionCascade Cascade { get; }

    /// <summary>The face crop in use; <see cref="FacePreprocessing.Size"/> is the recogniser input S.</summary>
    public FacePreprocessing Preprocessing { get; }

    /// <summary>
    /// True when the face crop was given to the constructor. When false (the model's own crop), an image whose shorter
    /// side is below the recogniser input S is taken to be a face crop already and is used whole (its centred square),
    /// instead of being cropped again to a sliver.
    /// </summary>
    public bool FramingGiven { get; }

    /// <summary>Width of every embedding this embedder returns: D, or 2D with concatenation fusion.</summary>
    public int EmbeddingDimension => _concatenate ? 2 * Cascade.EmbeddingSize : Cascade.EmbeddingSize;

    /// <summary>Identifier of the cascade's weights and fusion (see <see cref="ModelIdOf"/>), recorded in galleries.</summary>
    public string ModelId { get; }

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
    /// <see cref="Preprocessing"/> (and the whole image when it is smaller than S and no crop was given).</param>
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
    /// <see cref="Preprocessing"/> (and the whole image when it is smaller than S and no crop was given).</param>
    /// <returns>One L2-normalised embedding per path, in order, each of length <see cref="EmbeddingDimension"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="probeSize"/> or <paramref name="batchSize"/> is below 1, or <paramref name="cropFraction"/> is outside (0, 1].</exception>
    /// <exception cref="FileNotFoundException">When a file does not exist.</exception>
    /// <exception cref="IOException">When a file is not a readable image.</exception>
    /// <exception cref="InvalidDataException">When an image is smaller than the face crop or has no texture
    /// (<see cref="MinimumContrast"/>; names the file), or the model
    /// gives a NaN or infinite embedding (names the model file and the image).</exception>
    public float[][] EmbedFiles(IReadOnlyList<string> paths, int? probeSize = null, int batchSize = 32, Action<int>? progress = null, double? cropFraction = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (cropFraction is { } f && !(f > 0 && f <= 1)) throw new ArgumentOutOfRangeException(nameof(cropFraction), cropFraction, "A crop fraction lies in (0, 1].");
        if (probeSize is < 1) throw new ArgumentOutOfRangeException(nameof(probeSize), probeSize, "A probe size is at least 1 pixel.");
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var result = new float[paths.Count][];
        for (var start = 0; start < paths.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(batchSize, paths.Count - start);
            var faces = new (float[] Pixels, int Side)[count];
            // One image at a time: libtorch calls from several threads at once crashed natively (rarely, in clamp_)
            // while cropping. Workers hand back managed arrays, so raising the parallelism stays possible.
            try
            {
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 1 }, i => faces[i] = Crop(paths[start + i], probeSize, cropFraction));
            }
            catch (AggregateException e)
            {
                // Surface the first failing file's own exception (e.g. FileNotFoundException), not the wrapper.
                ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
            // Sharp faces are all S x S; low-quality ones are batched by side.
            foreach (var group in Enumerable.Range(0, count).GroupBy(i => faces[i].Side))
            {
                var indices = group.ToArray();
                var side = group.Key;
                var channels = faces[indices[0]].Pixels.Length / (side * side);
                foreach (var i in indices)
                    if (faces[i].Pixels.Length != channels * side * side)
                        throw new InvalidDataException($"{paths[start + i]}: has {faces[i].Pixels.Length / (side * side)} channels, {paths[start + indices[0]]} has {channels}; use ColorMode.Rgb or Grey.");
                var batch = tensor(indices.SelectMany(i => faces[i].Pixels).ToArray(), [indices.Length, channels, side, side]); // [n, C, side, side]
                var embeddings = Embed(batch, sharp: group.Key >= Cascade.InputSize);          // [n, D] or [n, 2D]
                var values = embeddings.contiguous().data<float>().ToArray();
                var width = (int)embeddings.shape[1];
                for (var k = 0; k < indices.Length; k++)
                {
                    var row = values[(k * width)..((k + 1) * width)];
                    // A NaN embedding would compare as "different" (or rank last) without a word: it is an error.
                    if (!row.All(float.IsFinite))
                        throw new InvalidDataException($"{Cascade.SourcePath ?? "the model"}: gives a NaN or infinite embedding for {paths[start + indices[k]]} (damaged or diverged weights); no similarity can be computed.");
                    result[start + indices[k]] = row;
                }
            }
            progress?.Invoke(start + count);
        }
        return result;
    }

    private (float[] Pixels, int Side) Crop(string path, int? probeSize, double? cropFraction)
    {
        using var scope = NewDisposeScope();
        var image = _reader.Read(path);
        var (height, width) = ((int)image.shape[1], (int)image.shape[2]);
        // Until face detection replaces the fixed crop: an image smaller than S is a face crop already (a tight probe);
        // cropping it again with the model's fraction would keep a sliver of the face.
        var framing = cropFraction is { } f ? Preprocessing with { CropFraction = f, CropPixels = null }
            : !FramingGiven && Math.Min(height, width) < Cascade.InputSize ? Preprocessing with { CropFraction = 1.0, CropPixels = null }
            : Preprocessing;
        var side = framing.CropSide(height, width);
        var target = Math.Min(probeSize ?? side, Cascade.InputSize);
        if (target < FaceRecognitionCascade.MinimumFaceSide)
            throw new InvalidDataException($"{path}: the face crop is {target}x{target} pixels; at least {FaceRecognitionCascade.MinimumFaceSide}x{FaceRecognitionCascade.MinimumFaceSide} are needed to recognise a face.");
        // One antialiased bicubic resize from the crop: straight to S for a sharp face, to the probe size otherwise.
        var face = FaceCropper.CropAndResize(image, framing with { Size = target }, path);
        var pixels = face.contiguous().data<float>().ToArray();
        var contrast = StandardDeviation(pixels);
        if (contrast < MinimumContrast)
            throw new InvalidDataException(FormattableString.Invariant(
                $"{path}: the face crop has no texture (pixel standard deviation {contrast:0.0000} < {MinimumContrast}); a near-constant image shows no face and would match any other such image."));
        return (pixels, target);
    }

    private static double StandardDeviation(float[] values)
    {
        double sum = 0, squares = 0;
        foreach (var v in values) { sum += v; squares += (double)v * v; }
        var mean = sum / values.Length;
        return Math.Sqrt(Math.Max(0, squares / values.Length - mean * mean));
    }

    private Tensor Embed(Tensor faces, bool sharp)
    {
        if (!sharp) return Cascade.EmbedLowResolution(faces);
        var embedding = Cascade.EmbedRecognizerOnly(faces);
        return _concatenate ? cat([embedding, embedding], 1) / Math.Sqrt(2) : embedding;
    }
}
