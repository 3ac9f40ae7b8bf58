namespace SrFace.Recognition;

/// <summary>
/// Storage behind a <see cref="FaceGallery"/>: identities, their embeddings and templates, plus the gallery's
/// <see cref="GalleryInfo"/>, and the nearest-template search. <see cref="SqliteGalleryStore"/> is the default (one
/// file, exact search); <see cref="PostgresGalleryStore"/> keeps galleries in PostgreSQL with an HNSW index
/// (pgvector). <see cref="GalleryAddress"/> picks one from a connection string. Validation and template maths live in
/// <see cref="FaceGallery"/>, so a store persists and searches.
/// </summary>
public interface IGalleryStore : IDisposable
{
    /// <summary>Where the gallery lives (file path or connection description), for messages.</summary>
    string Location { get; }

    /// <summary>Model id, embedding dimension and format version the gallery was created with.</summary>
    GalleryInfo Info { get; }

    /// <summary>Number of enrolled identities.</summary>
    int IdentityCount();

    /// <summary>
    /// In one transaction: optionally removes an identity's embeddings, adds <paramref name="added"/>, computes the
    /// template from all of the identity's embeddings with <paramref name="computeTemplate"/> and stores it. Creates
    /// the identity when it does not exist. Nothing is changed if any step throws.
    /// </summary>
    /// <param name="identity">Identity name.</param>
    /// <param name="added">Embeddings to add (already validated, each <c>[D]</c>).</param>
    /// <param name="replace">True to drop the identity's existing embeddings first.</param>
    /// <param name="computeTemplate">Maps all the identity's embeddings to its template <c>[D]</c>.</param>
    void SaveIdentity(string identity, IReadOnlyList<GalleryEmbedding> added, bool replace, Func<IReadOnlyList<float[]>, float[]> computeTemplate);

    /// <summary>Removes an identity with its embeddings and template.</summary>
    /// <param name="identity">Identity name.</param>
    /// <returns>True when it existed.</returns>
    bool DeleteIdentity(string identity);

    /// <summary>All identities with their image counts, ordered by name (ordinal).</summary>
    IReadOnlyList<GalleryIdentity> ListIdentities();

    /// <summary>An identity's stored embeddings in enrolment order (empty when unknown).</summary>
    /// <param name="identity">Identity name.</param>
    IReadOnlyList<GalleryEmbedding> LoadEmbeddings(string identity);

    /// <summary>
    /// The <paramref name="topK"/> identities whose templates are nearest to <paramref name="probe"/> in cosine
    /// similarity, highest score first (ties by name, ordinal). Exact in <see cref="SqliteGalleryStore"/>; an
    /// approximate (HNSW) candidate search in <see cref="PostgresGalleryStore"/>, whose scores are still exact cosines.
    /// </summary>
    /// <param name="probe">Unit-length probe <c>[D]</c> (already validated).</param>
    /// <param name="topK">Candidates wanted, &gt;= 1; fewer come back when fewer identities are enrolled.</param>
    IReadOnlyList<GalleryMatch> Search(float[] probe, int topK);
}
