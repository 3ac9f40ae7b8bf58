using SrFace.Cascade;
using SrFace.Data;
using SrFace.Evaluation;

namespace SrFace.Recognition;

/// <summary>
/// Face verification (1:1) and open-set identification (1:N) of image files: an <see cref="IFaceEmbedder"/> (the
/// TorchSharp <see cref="FaceEmbedder"/> or the ONNX Runtime <see cref="Export.OnnxCascade"/>) turns images into cascade embeddings (sharp faces through the recogniser, low-quality probes restored first), and a
/// <see cref="FaceGallery"/> holds the enrolled templates. This is the library behind <c>srface verify</c>,
/// <c>enroll</c> and <c>identify</c>.
/// </summary>
/// <remarks>
/// A gallery records the <see cref="IFaceEmbedder.ModelId"/> it was built with; opening it through this service with
/// another model is refused, because cosines between embeddings of different recognisers mean nothing.
/// </remarks>
public sealed class FaceIdentification
{
    /// <summary>Creates the service.</summary>
    /// <param name="embedder">Embeds the images (and names the model for galleries).</param>
    public FaceIdentification(IFaceEmbedder embedder) => Embedder = embedder ?? throw new ArgumentNullException(nameof(embedder));

    /// <summary>Creates the service for a cascade, optionally with another face crop (e.g. <see cref="FacePreprocessing.Orl"/>).</summary>
    /// <param name="cascade">The loaded cascade (owned by the caller).</param>
    /// <param name="preprocessing">Face crop overriding the model's; null for the model's.</param>
    public FaceIdentification(FaceRecognitionCascade cascade, FacePreprocessing? preprocessing = null)
        : this(new FaceEmbedder(cascade, preprocessing)) { }

    /// <summary>The embedder.</summary>
    public IFaceEmbedder Embedder { get; }

    /// <summary>Verifies whether two images show the same person: cosine of their embeddings against <paramref name="threshold"/>.</summary>
    /// <param name="a">Reference image (embedded as it is).</param>
    /// <param name="b">Probe image.</param>
    /// <param name="threshold">Cosine threshold in [-1, 1] (e.g. the model's calibrated <see cref="FaceRecognitionCascade.Threshold"/>).</param>
    /// <param name="probeSize">Degrade <paramref name="b"/>'s face crop to this side in px first; null to keep it.</param>
    /// <param name="cropFractionA">Face crop of <paramref name="a"/> as a fraction of its shorter side; null for the embedder's (see <see cref="FaceEmbedder.FramingGiven"/>).</param>
    /// <param name="cropFractionB">Face crop of <paramref name="b"/>, likewise.</param>
    /// <returns>The similarity and decision, with the face used in each image.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When the threshold is outside [-1, 1].</exception>
    /// <exception cref="FaceNotFoundException">When the model aligns faces and an image shows none (never a similarity).</exception>
    /// <exception cref="IOException">When an image cannot be read (<see cref="FileNotFoundException"/> when missing).</exception>
    /// <exception cref="InvalidDataException">When the model gives a NaN or infinite embedding or similarity (never a "different" answer).</exception>
    public VerificationOutcome Verify(string a, string b, double threshold, int? probeSize = null, double? cropFractionA = null, double? cropFractionB = null)
    {
        if (!(threshold >= -1 && threshold <= 1)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "A cosine threshold lies in [-1, 1].");
        var faceA = Embedder.EmbedFaces([a], cropFraction: cropFractionA)[0];
        var faceB = Embedder.EmbedFaces([b], probeSize, cropFraction: cropFractionB)[0];
        var similarity = EmbeddingMath.Cosine(faceA.Embedding, faceB.Embedding);
        if (!double.IsFinite(similarity))
            throw new InvalidDataException($"{Embedder.ModelName}: the similarity of {a} and {b} is {similarity}, not a number; no decision can be made.");
        return new VerificationOutcome(a, b, similarity, threshold) { FaceA = faceA, FaceB = faceB };
    }

    /// <summary>
    /// The open-set identification threshold to use and where it came from: the caller's option, else the model's
    /// open-set threshold (calibrated at a low FPIR, <see cref="IFaceEmbedder.OpenSetThreshold"/>), else its pairwise
    /// verification threshold (which many strangers to a large gallery reach), else none (closed set).
    /// </summary>
    /// <param name="option">An explicit threshold (e.g. <c>--threshold</c>), or null.</param>
    /// <param name="model">The model.</param>
    /// <returns>The threshold (null for closed set) and its source: "option", "open-set", "verification" or "none".</returns>
    public static (double? Threshold, string Source) OpenSetThresholdOf(double? option, IFaceEmbedder model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return option is { } t ? (t, "option")
            : model.OpenSetThreshold is { } open ? (open, "open-set")
            : model.Threshold is { } pairwise ? (pairwise, "verification")
            : (null, "none");
    }

    /// <summary>Opens a gallery and checks that it was built with this model.</summary>
    /// <param name="path">The gallery: a file path, <c>sqlite:PATH</c> or <c>postgres://...</c> (<see cref="GalleryAddress"/>).</param>
    /// <returns>The open gallery (the caller disposes it).</returns>
    /// <exception cref="FileNotFoundException">When the gallery does not exist.</exception>
    /// <exception cref="GalleryFormatException">When it is not a readable gallery.</exception>
    /// <exception cref="InvalidOperationException">When the gallery was built with another model or embedding width.</exception>
    public FaceGallery OpenGallery(string path) => CheckModel(FaceGallery.Open(path));

    /// <summary>Checks that an open gallery was built with this model; disposes it and throws otherwise.</summary>
    /// <param name="gallery">The open gallery.</param>
    /// <returns><paramref name="gallery"/>.</returns>
    /// <exception cref="InvalidOperationException">When the gallery was built with another model or embedding width.</exception>
    public FaceGallery CheckModel(FaceGallery gallery)
    {
        ArgumentNullException.ThrowIfNull(gallery);
        if (gallery.ModelId != Embedder.ModelId || gallery.EmbeddingDimension != Embedder.EmbeddingDimension)
        {
            var message = $"Gallery '{gallery.Location}' was built with model '{gallery.ModelId}' ({gallery.EmbeddingDimension}-d); this model is '{Embedder.ModelId}' ({Embedder.EmbeddingDimension}-d). Use the same model or a new gallery.";
            gallery.Dispose();
            throw new InvalidOperationException(message);
        }
        return gallery;
    }

    /// <summary>Opens a gallery built with this model, or creates it (with this model's id and width) when it does not exist.</summary>
    /// <param name="path">The gallery: a file path, <c>sqlite:PATH</c> or <c>postgres://...</c> (<see cref="GalleryAddress"/>).</param>
    /// <returns>The open gallery (the caller disposes it).</returns>
    /// <exception cref="GalleryFormatException">When an existing gallery is not readable.</exception>
    /// <exception cref="InvalidOperationException">When an existing gallery was built with another model.</exception>
    public FaceGallery OpenOrCreateGallery(string path) =>
        GalleryAddress.Parse(path).Exists() ? OpenGallery(path) : FaceGallery.Create(path, Embedder.ModelId, Embedder.EmbeddingDimension);

    /// <summary>
    /// Enrols a folder-per-identity dataset: embeds the first <paramref name="firstPerIdentity"/> images of each identity
    /// (natural file order; all when null) in batches, then enrols each identity in one transaction.
    /// </summary>
    /// <param name="gallery">A gallery built with this model (<see cref="OpenOrCreateGallery"/>).</param>
    /// <param name="dataset">The identities and images (e.g. <see cref="FaceDataset.FromIdentityFolders"/>).</param>
    /// <param name="firstPerIdentity">Images per identity to enrol, &gt;= 1, or null for all.</param>
    /// <param name="replace">True to replace an identity's earlier enrolment, false to add the images to it.</param>
    /// <param name="progress">Called with the number of images embedded so far, out of the selected total.</param>
    /// <param name="skipped">Null (the default) to fail on the first image that cannot be embedded, before anything is
    /// enrolled; a collection to skip such images instead (no face found, unreadable, face too small or without
    /// texture) and add each with its reason. An identity whose images were all skipped is not enrolled.</param>
    /// <returns>One entry per enrolled identity, in the dataset's (sorted) order.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="firstPerIdentity"/> is below 1.</exception>
    /// <exception cref="IOException">When an image cannot be read or shows no face (<see cref="FaceNotFoundException"/>)
    /// and <paramref name="skipped"/> is null; nothing is enrolled then.</exception>
    /// <exception cref="InvalidDataException">When a face is too small or the model gives a non-finite embedding and
    /// <paramref name="skipped"/> is null; nothing is enrolled then.</exception>
    public IReadOnlyList<EnrolledIdentity> EnrollDataset(FaceGallery gallery, FaceDataset dataset, int? firstPerIdentity = null,
        bool replace = false, Action<int, int>? progress = null, ICollection<SkippedImage>? skipped = null)
    {
        ArgumentNullException.ThrowIfNull(gallery);
        ArgumentNullException.ThrowIfNull(dataset);
        if (firstPerIdentity is < 1) throw new ArgumentOutOfRangeException(nameof(firstPerIdentity), firstPerIdentity, "At least one image per identity.");
        var selected = dataset.Samples.GroupBy(s => s.Identity)
            .Select(g => (Identity: g.Key, Paths: g.Take(firstPerIdentity ?? int.MaxValue).Select(s => s.Path).ToArray())).ToArray();
        var all = selected.SelectMany(s => s.Paths).ToArray();
        var embeddings = skipped is null
            ? Embedder.EmbedFaces(all, progress: done => progress?.Invoke(done, all.Length)).Select(f => (float[]?)f.Embedding).ToArray()
            : EmbedSkippingFailures(all, skipped, progress);
        var enrolled = new List<EnrolledIdentity>();
        var next = 0;
        foreach (var (identity, paths) in selected)
        {
            var usable = paths.Select((p, i) => (Path: p, Embedding: embeddings[next + i])).Where(e => e.Embedding is not null)
                .Select(e => (e.Path, e.Embedding!)).ToArray();
            next += paths.Length;
            if (usable.Length == 0) continue;
            gallery.Enroll(identity, usable, replace);
            enrolled.Add(new EnrolledIdentity(identity, usable.Length, gallery.Embeddings(identity).Count));
        }
        return enrolled;
    }

    /// <summary>Embeds in batches; a batch that fails is embedded image by image, and the images that still fail are
    /// recorded in <paramref name="skipped"/> with a null embedding.</summary>
    private float[]?[] EmbedSkippingFailures(string[] paths, ICollection<SkippedImage> skipped, Action<int, int>? progress)
    {
        const int batch = 32;
        var result = new float[]?[paths.Length];
        for (var start = 0; start < paths.Length; start += batch)
        {
            var chunk = paths[start..Math.Min(start + batch, paths.Length)];
            try
            {
                Embedder.EmbedFaces(chunk, batchSize: batch).Select(f => f.Embedding).ToArray().CopyTo(result, start);
            }
            catch (Exception e) when (IsImageFailure(e))
            {
                for (var i = 0; i < chunk.Length; i++)
                {
                    try { result[start + i] = Embedder.EmbedFaces([chunk[i]])[0].Embedding; }
                    catch (Exception one) when (IsImageFailure(one)) { skipped.Add(new SkippedImage(chunk[i], one.Message)); }
                }
            }
            progress?.Invoke(start + chunk.Length, paths.Length);
        }
        return result;
    }

    /// <summary>What one image can cause (no face, unreadable, too small, no texture); not a programming error.</summary>
    private static bool IsImageFailure(Exception e) => e is IOException or InvalidDataException;

    /// <summary>Identifies probe images against a gallery (the largest face of each).</summary>
    /// <param name="gallery">A gallery built with this model.</param>
    /// <param name="probes">Probe image files.</param>
    /// <param name="topK">Candidates per probe, &gt;= 1.</param>
    /// <param name="openSetThreshold">Cosine below which the best match is "unknown" (<see cref="double.NegativeInfinity"/> for closed set).</param>
    /// <param name="probeSize">Degrade each probe's face crop to this side in px first; null to keep them.</param>
    /// <returns>One result per probe, in order.</returns>
    /// <exception cref="FaceNotFoundException">When the model aligns faces and a probe shows none.</exception>
    /// <exception cref="IOException">When a probe cannot be read.</exception>
    public IReadOnlyList<IdentificationResult> Identify(FaceGallery gallery, IReadOnlyList<string> probes, int topK, double openSetThreshold, int? probeSize = null) =>
        IdentifyFaces(gallery, probes, topK, openSetThreshold, probeSize).Select(p => p.Faces[0].Result).ToArray();

    /// <summary>
    /// Identifies the faces of probe images against a gallery: the largest face of each image, or with
    /// <paramref name="allFaces"/> every face the detector finds (largest first), each with where it was found.
    /// </summary>
    /// <param name="gallery">A gallery built with this model.</param>
    /// <param name="probes">Probe image files.</param>
    /// <param name="topK">Candidates per face, &gt;= 1.</param>
    /// <param name="openSetThreshold">Cosine below which the best match is "unknown" (<see cref="double.NegativeInfinity"/> for closed set).</param>
    /// <param name="probeSize">Degrade each face to this side in px first; null to keep them.</param>
    /// <param name="allFaces">True to identify every face of each image, false for the largest only.</param>
    /// <returns>One entry per probe image, in order.</returns>
    /// <exception cref="FaceNotFoundException">When the model aligns faces and a probe shows none.</exception>
    /// <exception cref="IOException">When a probe cannot be read.</exception>
    public IReadOnlyList<ProbeIdentification> IdentifyFaces(FaceGallery gallery, IReadOnlyList<string> probes, int topK, double openSetThreshold,
        int? probeSize = null, bool allFaces = false)
    {
        ArgumentNullException.ThrowIfNull(gallery);
        ArgumentNullException.ThrowIfNull(probes);
        var faces = allFaces ? probes.Select(p => Embedder.EmbedAllFaces(p, probeSize)).ToArray()
            : Embedder.EmbedFaces(probes, probeSize).Select(f => new[] { f }).ToArray();
        return probes.Select((path, i) => new ProbeIdentification(path,
            faces[i].Select(f => new IdentifiedFace(f, gallery.Identify(f.Embedding, topK, openSetThreshold))).ToArray())).ToArray();
    }

    /// <summary>
    /// Evaluates a folder-per-identity probe set: every image after the first <paramref name="skipFirst"/> of each identity
    /// (the ones an enrolment with the same number left out) is identified; rank-1..<paramref name="maxRank"/> CMC and the
    /// open-set unknown count follow.
    /// </summary>
    /// <param name="gallery">A gallery built with this model.</param>
    /// <param name="probes">The probe dataset.</param>
    /// <param name="skipFirst">Images per identity to skip (natural order), &gt;= 0.</param>
    /// <param name="openSetThreshold">Cosine below which a probe is "unknown".</param>
    /// <param name="probeSize">Degrade each probe's face crop to this side in px first; null to keep them.</param>
    /// <param name="maxRank">Length of the CMC curve, &gt;= 1.</param>
    /// <param name="progress">Called with the number of probes embedded so far and the total.</param>
    /// <returns>The outcomes and figures.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="skipFirst"/> &lt; 0 or <paramref name="maxRank"/> &lt; 1.</exception>
    /// <exception cref="InvalidDataException">When no probe image remains after skipping.</exception>
    public ProbeSetEvaluation EvaluateProbes(FaceGallery gallery, FaceDataset probes, int skipFirst, double openSetThreshold,
        int? probeSize = null, int maxRank = 5, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(gallery);
        ArgumentNullException.ThrowIfNull(probes);
        ArgumentOutOfRangeException.ThrowIfNegative(skipFirst);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRank, 1);
        var samples = probes.Samples.GroupBy(s => s.Identity).SelectMany(g => g.Skip(skipFirst)).ToArray();
        if (samples.Length == 0)
            throw new InvalidDataException($"No probe images under {probes.Root} after skipping the first {skipFirst} of each identity.");
        var embeddings = Embedder.EmbedFaces(samples.Select(s => s.Path).ToArray(), probeSize, progress: done => progress?.Invoke(done, samples.Length)).Select(f => f.Embedding).ToArray();
        var outcomes = samples.Select((s, i) => new ProbeOutcome(s.Path, s.Identity, gallery.Identify(embeddings[i], maxRank, openSetThreshold))).ToArray();
        var rankings = outcomes.Select(o => new ProbeRanking(o.TrueIdentity, o.Result.Candidates.Select(c => c.Identity).ToArray())).ToArray();
        return new ProbeSetEvaluation(outcomes, IdentificationMetrics.Cmc(rankings, maxRank), openSetThreshold);
    }
}
