namespace SrFace.Recognition;

/// <summary>
/// A gallery of enrolled identities for open-set face identification. Each identity keeps its enrolled embeddings
/// and a template: the mean of its L2-normalised embeddings, re-normalised to unit length. A probe is scored by the
/// cosine similarity to every template and declared "unknown" when the best score is below a threshold.
/// </summary>
/// <remarks>
/// Storage and search are an <see cref="IGalleryStore"/>; <see cref="Create"/> and <see cref="Open"/> take a
/// <see cref="GalleryAddress"/>: an SQLite file (<see cref="SqliteGalleryStore"/>, exact search; a plain path) or a
/// PostgreSQL database with pgvector (<see cref="PostgresGalleryStore"/>, HNSW index). The gallery records the
/// recogniser's model id and embedding width D, and refuses embeddings of another width.
/// Not thread-safe (the PostgreSQL store is, the SQLite one is not): use one instance per thread or a lock.
/// </remarks>
public sealed class FaceGallery : IDisposable
{
    private readonly IGalleryStore _store;

    /// <summary>Wraps an open store; the gallery owns and disposes it.</summary>
    /// <param name="store">The open store.</param>
    public FaceGallery(IGalleryStore store) => _store = store ?? throw new ArgumentNullException(nameof(store));

    /// <summary>Creates a new gallery for embeddings of one recogniser.</summary>
    /// <param name="address">Where (<see cref="GalleryAddress.Parse"/>): a file path or <c>sqlite:PATH</c> (the file and its
    /// folder are created) or <c>postgres://USER:PASSWORD@HOST:PORT/DB?gallery=NAME</c>; must not exist yet.</param>
    /// <param name="modelId">Identifier of the recogniser whose embeddings will be enrolled.</param>
    /// <param name="embeddingDimension">Embedding width D of that recogniser, &gt;= 1.</param>
    /// <returns>The open, empty gallery.</returns>
    /// <exception cref="IOException">When the gallery already exists.</exception>
    /// <exception cref="ArgumentException">When the address is malformed, <paramref name="modelId"/> is empty or the dimension is out of range.</exception>
    public static FaceGallery Create(string address, string modelId, int embeddingDimension) =>
        new(GalleryAddress.Parse(address).CreateStore(modelId, embeddingDimension));

    /// <summary>Opens an existing gallery.</summary>
    /// <param name="address">Where (<see cref="GalleryAddress.Parse"/>): a file path, <c>sqlite:PATH</c> or <c>postgres://...</c>.</param>
    /// <returns>The open gallery.</returns>
    /// <exception cref="FileNotFoundException">When the gallery does not exist.</exception>
    /// <exception cref="GalleryFormatException">When it is not an SrFace gallery, is corrupt, or has a newer format version.</exception>
    /// <exception cref="ArgumentException">When the address is malformed.</exception>
    public static FaceGallery Open(string address) => new(GalleryAddress.Parse(address).OpenStore());

    /// <summary>Where the gallery is stored (full file path for SQLite, the URL without password for PostgreSQL).</summary>
    public string Location => _store.Location;

    /// <summary>Identifier of the recogniser the gallery was built with.</summary>
    public string ModelId => _store.Info.ModelId;

    /// <summary>Embedding width D every enrolled and probe embedding must have.</summary>
    public int EmbeddingDimension => _store.Info.EmbeddingDimension;

    /// <summary>Number of enrolled identities.</summary>
    public int Count => _store.IdentityCount();

    /// <summary>
    /// Enrols an identity from one or more face embeddings in one transaction. With <paramref name="replace"/> (the
    /// default) earlier embeddings of the identity are discarded; otherwise the new ones are added to them. The
    /// template is recomputed from all the identity's embeddings.
    /// </summary>
    /// <param name="identity">Identity name (non-blank; compared ordinally).</param>
    /// <param name="images">Source label and embedding <c>[D]</c> (any scale, finite, non-zero) of each image; at least one.</param>
    /// <param name="replace">True to replace the identity's earlier enrolment, false to add to it.</param>
    /// <exception cref="ArgumentException">When the name is blank, no images are given, or an embedding has the
    /// wrong width, a non-finite value, zero length, or the embeddings cancel out to a zero mean.</exception>
    public void Enroll(string identity, IReadOnlyList<(string Source, float[] Embedding)> images, bool replace = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(identity);
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException($"No images given to enrol '{identity}'.", nameof(images));
        var added = images.Select(i => new GalleryEmbedding(
            i.Source ?? throw new ArgumentNullException(nameof(images), $"An image source of '{identity}' is null."),
            CheckEmbedding(i.Embedding, $"image '{i.Source}' of '{identity}'", nameof(images)))).ToArray();
        _store.SaveIdentity(identity, added, replace, all => Template(all, identity));
    }

    /// <summary>Removes an identity and its embeddings.</summary>
    /// <param name="identity">Identity name.</param>
    /// <returns>True when it was enrolled.</returns>
    public bool Delete(string identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return _store.DeleteIdentity(identity);
    }

    /// <summary>Enrolled identities with their image counts, ordered by name (ordinal).</summary>
    public IReadOnlyList<GalleryIdentity> ListIdentities() => _store.ListIdentities();

    /// <summary>An identity's enrolled embeddings (as given at enrolment), in enrolment order; empty when not enrolled.</summary>
    /// <param name="identity">Identity name.</param>
    public IReadOnlyList<GalleryEmbedding> Embeddings(string identity) => _store.LoadEmbeddings(identity);

    /// <summary>
    /// Ranks the enrolled identities by cosine similarity of <paramref name="probeEmbedding"/> to their templates (the
    /// store's search: exact for SQLite, HNSW candidates for PostgreSQL) and
    /// makes the open-set decision: "unknown" when the gallery is empty or the best score is below
    /// <paramref name="openSetThreshold"/>.
    /// </summary>
    /// <param name="probeEmbedding">Probe embedding <c>[D]</c> from the gallery's recogniser (any scale, finite, non-zero).</param>
    /// <param name="topK">Number of candidates to return, &gt;= 1 (fewer when fewer identities are enrolled).</param>
    /// <param name="openSetThreshold">Minimum cosine for a positive identification (e.g. the verification threshold).</param>
    /// <returns>Candidates, highest score first (ties by name), and the decision.</returns>
    /// <exception cref="ArgumentException">When the probe has the wrong width, a non-finite value or zero length, or the threshold is NaN.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="topK"/> &lt; 1.</exception>
    public IdentificationResult Identify(float[] probeEmbedding, int topK, double openSetThreshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        if (double.IsNaN(openSetThreshold)) throw new ArgumentException("The open-set threshold is NaN.", nameof(openSetThreshold));
        var probe = EmbeddingMath.Normalize(CheckEmbedding(probeEmbedding, "the probe", nameof(probeEmbedding)));
        return new IdentificationResult(_store.Search(probe, topK), openSetThreshold);
    }

    /// <summary>Closes the store.</summary>
    public void Dispose() => _store.Dispose();

    private float[] CheckEmbedding(float[] embedding, string what, string paramName)
    {
        ArgumentNullException.ThrowIfNull(embedding, paramName);
        if (embedding.Length != EmbeddingDimension)
            throw new ArgumentException($"Gallery '{Location}' holds {EmbeddingDimension}-dimensional embeddings of model '{ModelId}'; {what} has {embedding.Length} dimensions. Use the same recogniser or a new gallery.", paramName);
        if (!embedding.All(float.IsFinite)) throw new ArgumentException($"The embedding of {what} has a non-finite value.", paramName);
        if (EmbeddingMath.Norm(embedding) == 0) throw new ArgumentException($"The embedding of {what} is all zeros.", paramName);
        return embedding;
    }

    private static float[] Template(IReadOnlyList<float[]> embeddings, string identity)
    {
        var mean = new double[embeddings[0].Length];
        foreach (var e in embeddings)
        {
            var unit = EmbeddingMath.Normalize(e);
            for (var i = 0; i < mean.Length; i++) mean[i] += unit[i];
        }
        var norm = Math.Sqrt(mean.Sum(v => v * v));
        if (norm < 1e-6 * embeddings.Count)
            throw new ArgumentException($"The embeddings of '{identity}' cancel out (their normalised mean is zero); no template can be made.");
        return mean.Select(v => (float)(v / norm)).ToArray();
    }
}
