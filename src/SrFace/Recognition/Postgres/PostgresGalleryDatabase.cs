using Npgsql;
using Pgvector.Npgsql;

namespace SrFace.Recognition;

/// <summary>
/// A PostgreSQL database that holds SrFace galleries (<see cref="PostgresGallerySchema"/>): one pooled, thread-safe
/// Npgsql data source with the pgvector type mapping. Creates the schema (and the <c>vector</c> extension when it is
/// missing and the role may) on first use. Opens, creates, lists and drops galleries by name.
/// </summary>
public sealed class PostgresGalleryDatabase : IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly Lock _schemaLock = new();
    private bool _schemaReady;

    private PostgresGalleryDatabase(NpgsqlDataSource dataSource, string location) => (_dataSource, Location) = (dataSource, location);

    /// <summary>The database URL without password, for messages.</summary>
    public string Location { get; }

    /// <summary>Connects to the database of a <see cref="GalleryBackend.Postgres"/> address (lazily: nothing is sent yet).</summary>
    /// <param name="address">A parsed <c>postgres://</c> address.</param>
    /// <returns>The database (the caller disposes it).</returns>
    /// <exception cref="ArgumentException">When the address is not a PostgreSQL one.</exception>
    public static PostgresGalleryDatabase Connect(GalleryAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Backend != GalleryBackend.Postgres) throw new ArgumentException($"'{address.Display}' is not a PostgreSQL address.", nameof(address));
        var builder = new NpgsqlDataSourceBuilder(address.Target);
        builder.UseVector();
        var display = address.Display.Split('?')[0];
        return new PostgresGalleryDatabase(builder.Build(), display);
    }

    /// <summary>Opens (and returns to the pool) one connection: fails now when the database cannot be reached.</summary>
    /// <exception cref="GalleryFormatException">When the database cannot be reached (the message says why).</exception>
    public void CheckReachable() => Run("*", _ => 0);

    /// <summary>True when a gallery of that name exists.</summary>
    /// <param name="name">Gallery name.</param>
    /// <exception cref="GalleryFormatException">When the database cannot be reached or prepared.</exception>
    public bool Exists(string name) => Run(name, c => FindGallery(c, null, name) is not null);

    /// <summary>Names of all galleries in the database, ordinal order.</summary>
    /// <exception cref="GalleryFormatException">When the database cannot be reached or prepared.</exception>
    public IReadOnlyList<string> ListGalleries() => Run("*", c =>
    {
        using var cmd = new NpgsqlCommand("SELECT name FROM srface_galleries", c);
        using var reader = cmd.ExecuteReader();
        var names = new List<string>();
        while (reader.Read()) names.Add(reader.GetString(0));
        return (IReadOnlyList<string>)names.Order(StringComparer.Ordinal).ToList();
    });

    /// <summary>Creates a gallery with its HNSW index.</summary>
    /// <param name="name">Gallery name (<see cref="GalleryNames"/>).</param>
    /// <param name="modelId">Recogniser identifier; non-empty.</param>
    /// <param name="embeddingDimension">Embedding width D, 1 .. 2000 (pgvector's HNSW limit).</param>
    /// <returns>The open store; it does not own this database.</returns>
    /// <exception cref="IOException">When the gallery exists already.</exception>
    /// <exception cref="ArgumentException">When the name, model id or width is invalid.</exception>
    public PostgresGalleryStore CreateGallery(string name, string modelId, int embeddingDimension)
    {
        GalleryNames.Check(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingDimension, 1);
        if (embeddingDimension > PostgresGallerySchema.MaxIndexedDimension)
            throw new ArgumentOutOfRangeException(nameof(embeddingDimension), embeddingDimension, $"pgvector's HNSW index takes at most {PostgresGallerySchema.MaxIndexedDimension} dimensions.");
        var id = Run(name, c =>
        {
            using var tx = c.BeginTransaction();
            long galleryId;
            using (var insert = new NpgsqlCommand(
                "INSERT INTO srface_galleries(name, model_id, embedding_dim, format_version) VALUES (@n, @m, @d, @v) ON CONFLICT (name) DO NOTHING RETURNING id", c, tx))
            {
                insert.Parameters.AddWithValue("n", name);
                insert.Parameters.AddWithValue("m", modelId);
                insert.Parameters.AddWithValue("d", embeddingDimension);
                insert.Parameters.AddWithValue("v", PostgresGallerySchema.FormatVersion);
                if (insert.ExecuteScalar() is not long created)
                    throw new IOException($"Gallery '{name}' already exists in {Location}; open it instead or delete it first.");
                galleryId = created;
            }
            using (var index = new NpgsqlCommand(PostgresGallerySchema.CreateIndex(galleryId, embeddingDimension), c, tx)) index.ExecuteNonQuery();
            tx.Commit();
            return galleryId;
        });
        return new PostgresGalleryStore(this, name, id, new GalleryInfo(modelId, embeddingDimension, PostgresGallerySchema.FormatVersion), ownsDatabase: false);
    }

    /// <summary>Opens an existing gallery.</summary>
    /// <param name="name">Gallery name.</param>
    /// <returns>The open store; it does not own this database.</returns>
    /// <exception cref="FileNotFoundException">When there is no such gallery.</exception>
    /// <exception cref="GalleryFormatException">When its format version is newer than this code reads, or the database cannot be read.</exception>
    public PostgresGalleryStore OpenGallery(string name)
    {
        GalleryNames.Check(name);
        var found = Run(name, c => FindGallery(c, null, name))
                    ?? throw new FileNotFoundException($"Gallery '{name}' does not exist in {Location}.");
        if (found.Info.FormatVersion > PostgresGallerySchema.FormatVersion)
            throw new GalleryFormatException(GalleryLocation(name), $"has format version {found.Info.FormatVersion}, newer than this SrFace reads ({PostgresGallerySchema.FormatVersion}); update SrFace.");
        return new PostgresGalleryStore(this, name, found.Id, found.Info, ownsDatabase: false);
    }

    /// <summary>Deletes a gallery with its identities, embeddings and index.</summary>
    /// <param name="name">Gallery name.</param>
    /// <returns>True when it existed.</returns>
    public bool DropGallery(string name) => Run(name, c =>
    {
        using var tx = c.BeginTransaction();
        var found = FindGallery(c, tx, name);
        if (found is null) return false;
        using (var drop = new NpgsqlCommand($"DROP INDEX IF EXISTS {PostgresGallerySchema.IndexName(found.Value.Id)}", c, tx)) drop.ExecuteNonQuery();
        using (var delete = new NpgsqlCommand("DELETE FROM srface_galleries WHERE id = @id", c, tx))
        {
            delete.Parameters.AddWithValue("id", found.Value.Id);
            delete.ExecuteNonQuery();
        }
        tx.Commit();
        return true;
    });

    /// <summary>Closes the connection pool.</summary>
    public void Dispose() => _dataSource.Dispose();

    /// <summary>The display location of one gallery.</summary>
    internal string GalleryLocation(string name) => $"{Location}?gallery={name}";

    /// <summary>Opens a pooled connection (schema ready).</summary>
    internal NpgsqlConnection Open()
    {
        EnsureSchema();
        return _dataSource.OpenConnection();
    }

    /// <summary>Runs <paramref name="work"/> on a connection; connection and server errors become <see cref="GalleryFormatException"/>.</summary>
    internal T Run<T>(string gallery, Func<NpgsqlConnection, T> work)
    {
        try
        {
            using var connection = Open();
            return work(connection);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new GalleryFormatException(gallery == "*" ? Location : GalleryLocation(gallery), $"cannot be used: {e.Message}", e);
        }
    }

    private static (long Id, GalleryInfo Info)? FindGallery(NpgsqlConnection c, NpgsqlTransaction? tx, string name)
    {
        using var cmd = new NpgsqlCommand("SELECT id, model_id, embedding_dim, format_version FROM srface_galleries WHERE name = @n", c, tx);
        cmd.Parameters.AddWithValue("n", name);
        using var reader = cmd.ExecuteReader();
        if (!reader.Read()) return null;
        return (reader.GetInt64(0), new GalleryInfo(reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3)));
    }

    private void EnsureSchema()
    {
        lock (_schemaLock)
        {
            if (_schemaReady) return;
            try
            {
                using var c = _dataSource.OpenConnection();
                using (var tx = c.BeginTransaction())
                {
                    using (var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({PostgresGallerySchema.SchemaLockKey})", c, tx)) lockCmd.ExecuteNonQuery();
                    using (var has = new NpgsqlCommand("SELECT count(*) FROM pg_extension WHERE extname = 'vector'", c, tx))
                        if ((long)has.ExecuteScalar()! == 0)
                            using (var create = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS vector", c, tx)) create.ExecuteNonQuery();
                    using (var tables = new NpgsqlCommand(PostgresGallerySchema.Tables, c, tx)) tables.ExecuteNonQuery();
                    tx.Commit();
                }
                c.ReloadTypes(); // the vector type may have been created just now
            }
            catch (PostgresException e) when (e.SqlState is "0A000" or "42501" or "58P01")
            {
                throw new GalleryFormatException(Location, $"has no pgvector extension and it cannot be created here ({e.MessageText}); install pgvector and run CREATE EXTENSION vector as a superuser.", e);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                throw new GalleryFormatException(Location, $"cannot be reached or prepared: {e.Message}", e);
            }
            _schemaReady = true;
        }
    }
}
