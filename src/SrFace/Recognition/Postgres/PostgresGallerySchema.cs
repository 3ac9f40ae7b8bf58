namespace SrFace.Recognition;

/// <summary>
/// The PostgreSQL tables behind <see cref="PostgresGalleryStore"/>, shared by every gallery of a database:
/// <c>srface_galleries</c> (name, model id, D, format version), <c>srface_identities</c> (template as a pgvector
/// <c>vector</c>, image count) and <c>srface_embeddings</c> (source, <c>real[]</c>). Each gallery has its own partial
/// HNSW index on <c>template::vector(D)</c> with cosine distance (pgvector's recipe for vectors of several widths in
/// one column), named <see cref="IndexName"/>.
/// </summary>
internal static class PostgresGallerySchema
{
    /// <summary>The storage format version this code writes and the highest it reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>pgvector's limit for an HNSW index on <c>vector</c>.</summary>
    public const int MaxIndexedDimension = 2000;

    /// <summary>Advisory lock key that serialises schema creation between processes.</summary>
    public const long SchemaLockKey = 0x5352_4661_6365; // "SRFace"

    /// <summary>Idempotent DDL (run under <see cref="SchemaLockKey"/>).</summary>
    public const string Tables = """
        CREATE TABLE IF NOT EXISTS srface_galleries (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text NOT NULL UNIQUE,
            model_id text NOT NULL,
            embedding_dim integer NOT NULL CHECK (embedding_dim >= 1),
            format_version integer NOT NULL,
            created_utc timestamptz NOT NULL DEFAULT now());
        CREATE TABLE IF NOT EXISTS srface_identities (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            gallery_id bigint NOT NULL REFERENCES srface_galleries(id) ON DELETE CASCADE,
            name text NOT NULL,
            template vector NOT NULL,
            image_count integer NOT NULL,
            updated_utc timestamptz NOT NULL DEFAULT now(),
            UNIQUE (gallery_id, name));
        CREATE TABLE IF NOT EXISTS srface_embeddings (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            identity_id bigint NOT NULL REFERENCES srface_identities(id) ON DELETE CASCADE,
            source text NOT NULL,
            vector real[] NOT NULL);
        CREATE INDEX IF NOT EXISTS srface_embeddings_by_identity ON srface_embeddings(identity_id);
        """;

    /// <summary>The HNSW index of one gallery.</summary>
    public static string IndexName(long galleryId) => $"srface_identities_hnsw_{galleryId}";

    /// <summary>DDL of the HNSW index of one gallery (ids and widths come from our own table, never from input).</summary>
    public static string CreateIndex(long galleryId, int dimension) =>
        $"CREATE INDEX {IndexName(galleryId)} ON srface_identities USING hnsw ((template::vector({dimension})) vector_cosine_ops) WHERE gallery_id = {galleryId}";
}
