using System.Globalization;
using Npgsql;
using Pgvector;

namespace SrFace.Recognition;

/// <summary>
/// <see cref="IGalleryStore"/> for one gallery in a PostgreSQL database with pgvector
/// (<see cref="PostgresGalleryDatabase"/>, tables in <see cref="PostgresGallerySchema"/>). The search runs in the
/// database: the gallery's HNSW index (cosine distance) finds the candidates, and their scores are exact cosines
/// computed here from the returned templates.
/// </summary>
/// <remarks>
/// Thread-safe: every call takes a pooled connection. Enrolments of the same identity from several processes are
/// serialised by a row lock, so none is lost. The index is asked for top-k + 16 candidates (so that equal scores at
/// the k-th place are cut by name), with <c>hnsw.ef_search</c> raised to match (at least pgvector's 40); above 1000
/// (pgvector's ef_search limit) the search is an exact scan.
/// </remarks>
public sealed class PostgresGalleryStore : IGalleryStore
{
    private const int MaxEfSearch = 1000;
    private const int TieMargin = 16;
    private readonly PostgresGalleryDatabase _database;
    private readonly bool _ownsDatabase;
    private readonly long _galleryId;

    internal PostgresGalleryStore(PostgresGalleryDatabase database, string name, long galleryId, GalleryInfo info, bool ownsDatabase)
    {
        (_database, Name, _galleryId, Info, _ownsDatabase) = (database, name, galleryId, info, ownsDatabase);
        Location = database.GalleryLocation(name);
    }

    /// <inheritdoc/>
    public string Location { get; }

    /// <summary>The gallery's name in its database.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    public GalleryInfo Info { get; }

    /// <summary>Opens the gallery an address names, owning a database connection pool of its own.</summary>
    internal static PostgresGalleryStore OpenOwned(GalleryAddress address) =>
        Owned(address, db => db.OpenGallery(address.GalleryName ?? GalleryAddress.DefaultGalleryName));

    /// <summary>Creates the gallery an address names, owning a database connection pool of its own.</summary>
    internal static PostgresGalleryStore CreateOwned(GalleryAddress address, string modelId, int embeddingDimension) =>
        Owned(address, db => db.CreateGallery(address.GalleryName ?? GalleryAddress.DefaultGalleryName, modelId, embeddingDimension));

    /// <inheritdoc/>
    public int IdentityCount() => Run(c =>
    {
        using var cmd = Command(c, null, "SELECT count(*) FROM srface_identities WHERE gallery_id = @g");
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    });

    /// <inheritdoc/>
    public void SaveIdentity(string identity, IReadOnlyList<GalleryEmbedding> added, bool replace, Func<IReadOnlyList<float[]>, float[]> computeTemplate) => Run(c =>
    {
        using var tx = c.BeginTransaction();
        var id = LockIdentity(c, tx, identity);
        if (id is null)
        {
            // A new identity: its template is that of the added embeddings. A concurrent insert of the same name makes
            // ours a no-op, and the row lock below then waits for it.
            using var insert = Command(c, tx, """
                INSERT INTO srface_identities(gallery_id, name, template, image_count) VALUES (@g, @n, @t, 0)
                ON CONFLICT (gallery_id, name) DO NOTHING
                """);
            insert.Parameters.AddWithValue("n", identity);
            insert.Parameters.AddWithValue("t", new Vector(computeTemplate(added.Select(e => e.Embedding).ToArray())));
            insert.ExecuteNonQuery();
            id = LockIdentity(c, tx, identity) ?? throw new InvalidOperationException($"Identity '{identity}' vanished while being enrolled into {Location}.");
        }
        if (replace)
        {
            using var delete = Command(c, tx, "DELETE FROM srface_embeddings WHERE identity_id = @id");
            delete.Parameters.AddWithValue("id", id.Value);
            delete.ExecuteNonQuery();
        }
        foreach (var e in added)
        {
            using var insert = Command(c, tx, "INSERT INTO srface_embeddings(identity_id, source, vector) VALUES (@id, @s, @v)");
            insert.Parameters.AddWithValue("id", id.Value);
            insert.Parameters.AddWithValue("s", e.Source);
            insert.Parameters.AddWithValue("v", e.Embedding);
            insert.ExecuteNonQuery();
        }
        var all = ReadEmbeddings(c, tx, id.Value).Select(e => e.Embedding).ToArray();
        using (var update = Command(c, tx, "UPDATE srface_identities SET template = @t, image_count = @n, updated_utc = now() WHERE id = @id"))
        {
            update.Parameters.AddWithValue("t", new Vector(computeTemplate(all)));
            update.Parameters.AddWithValue("n", all.Length);
            update.Parameters.AddWithValue("id", id.Value);
            update.ExecuteNonQuery();
        }
        tx.Commit();
        return 0;
    });

    /// <inheritdoc/>
    public bool DeleteIdentity(string identity) => Run(c =>
    {
        using var cmd = Command(c, null, "DELETE FROM srface_identities WHERE gallery_id = @g AND name = @n");
        cmd.Parameters.AddWithValue("n", identity);
        return cmd.ExecuteNonQuery() > 0;
    });

    /// <inheritdoc/>
    public IReadOnlyList<GalleryIdentity> ListIdentities() => Run(c =>
    {
        using var cmd = Command(c, null, "SELECT name, image_count FROM srface_identities WHERE gallery_id = @g");
        using var reader = cmd.ExecuteReader();
        var list = new List<GalleryIdentity>();
        while (reader.Read()) list.Add(new GalleryIdentity(reader.GetString(0), reader.GetInt32(1)));
        return (IReadOnlyList<GalleryIdentity>)list.OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
    });

    /// <inheritdoc/>
    public IReadOnlyList<GalleryEmbedding> LoadEmbeddings(string identity) => Run(c =>
    {
        using var cmd = Command(c, null, "SELECT id FROM srface_identities WHERE gallery_id = @g AND name = @n");
        cmd.Parameters.AddWithValue("n", identity);
        return cmd.ExecuteScalar() is long id ? ReadEmbeddings(c, null, id) : (IReadOnlyList<GalleryEmbedding>)[];
    });

    /// <inheritdoc/>
    public IReadOnlyList<GalleryMatch> Search(float[] probe, int topK)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        return Run(c =>
        {
            using var tx = c.BeginTransaction();
            // A few candidates more than asked for, so that equal scores at the k-th place are cut by name, as in SQLite.
            var limit = topK + TieMargin;
            var settings = limit <= MaxEfSearch
                ? $"SET LOCAL hnsw.ef_search = {Math.Max(40, limit)}"
                : "SET LOCAL enable_indexscan = off"; // more than HNSW can return: exact scan
            using (var set = Command(c, tx, settings)) set.ExecuteNonQuery();
            // Gallery id and width are inlined (ours, integers) so the planner matches the gallery's partial index.
            using var cmd = Command(c, tx, $"""
                SELECT name, template FROM srface_identities WHERE gallery_id = {_galleryId}
                ORDER BY template::vector({Info.EmbeddingDimension}) <=> @p LIMIT @k
                """);
            cmd.Parameters.AddWithValue("p", new Vector(probe));
            cmd.Parameters.AddWithValue("k", limit);
            var matches = new List<GalleryMatch>();
            using (var reader = cmd.ExecuteReader())
                while (reader.Read())
                    matches.Add(new GalleryMatch(reader.GetString(0), EmbeddingMath.Dot(probe, reader.GetFieldValue<Vector>(1).ToArray())));
            tx.Commit();
            return (IReadOnlyList<GalleryMatch>)matches.OrderByDescending(m => m.Score).ThenBy(m => m.Identity, StringComparer.Ordinal).Take(topK).ToList();
        });
    }

    /// <summary>Releases the connection pool when this store owns it.</summary>
    public void Dispose()
    {
        if (_ownsDatabase) _database.Dispose();
    }

    private static PostgresGalleryStore Owned(GalleryAddress address, Func<PostgresGalleryDatabase, PostgresGalleryStore> open)
    {
        var database = PostgresGalleryDatabase.Connect(address);
        try
        {
            var store = open(database);
            return new PostgresGalleryStore(database, store.Name, store._galleryId, store.Info, ownsDatabase: true);
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }

    private long? LockIdentity(NpgsqlConnection c, NpgsqlTransaction tx, string identity)
    {
        using var cmd = Command(c, tx, "SELECT id FROM srface_identities WHERE gallery_id = @g AND name = @n FOR UPDATE");
        cmd.Parameters.AddWithValue("n", identity);
        return cmd.ExecuteScalar() as long?;
    }

    private List<GalleryEmbedding> ReadEmbeddings(NpgsqlConnection c, NpgsqlTransaction? tx, long identityId)
    {
        using var cmd = Command(c, tx, "SELECT source, vector FROM srface_embeddings WHERE identity_id = @id ORDER BY id");
        cmd.Parameters.AddWithValue("id", identityId);
        using var reader = cmd.ExecuteReader();
        var list = new List<GalleryEmbedding>();
        while (reader.Read())
        {
            var vector = reader.GetFieldValue<float[]>(1);
            if (vector.Length != Info.EmbeddingDimension)
                throw new GalleryFormatException(Location, $"is corrupt: an embedding of '{reader.GetString(0)}' has {vector.Length} values, expected {Info.EmbeddingDimension}.");
            list.Add(new GalleryEmbedding(reader.GetString(0), vector));
        }
        return list;
    }

    private NpgsqlCommand Command(NpgsqlConnection c, NpgsqlTransaction? tx, string sql)
    {
        var cmd = new NpgsqlCommand(sql, c, tx);
        if (sql.Contains("@g", StringComparison.Ordinal)) cmd.Parameters.AddWithValue("g", _galleryId);
        return cmd;
    }

    private T Run<T>(Func<NpgsqlConnection, T> work) => _database.Run(Name, work);
}
