using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace SrFace.Recognition;

/// <summary>
/// <see cref="IGalleryStore"/> in one SQLite file (Microsoft.Data.Sqlite). Tables: <c>gallery_meta</c> (key/value:
/// <c>format_version</c>, <c>model_id</c>, <c>embedding_dim</c>, <c>created_utc</c>), <c>identities</c> (name,
/// template blob, image count) and <c>embeddings</c> (identity, source, vector blob).
/// </summary>
/// <remarks>
/// Vectors are stored as little-endian float32 blobs of exactly <c>4 * D</c> bytes (the byte order of every
/// platform .NET runs SrFace on). Connections are not pooled, so the file is released on <see cref="Dispose"/>.
/// The search is exact: the templates are held in memory (<see cref="ExactTemplateSearch"/>) and reloaded after a
/// change by this instance or, seen through <c>PRAGMA data_version</c>, by another connection or process.
/// Transactions are committed with <c>synchronous=FULL</c>: an enrolment that returned survives a crash.
/// Not thread-safe: use one instance per thread.
/// </remarks>
public sealed class SqliteGalleryStore : IGalleryStore
{
    /// <summary>The storage format version this code writes and the highest it reads.</summary>
    public const int FormatVersion = 1;

    private const string Schema = """
        CREATE TABLE gallery_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
        CREATE TABLE identities (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, template BLOB NOT NULL,
                                 image_count INTEGER NOT NULL, updated_utc TEXT NOT NULL);
        CREATE TABLE embeddings (id INTEGER PRIMARY KEY,
                                 identity_id INTEGER NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
                                 source TEXT NOT NULL, vector BLOB NOT NULL);
        CREATE INDEX embeddings_by_identity ON embeddings(identity_id);
        """;

    private readonly SqliteConnection _connection;
    private ExactTemplateSearch? _search;
    private long _searchVersion;

    private SqliteGalleryStore(string path, SqliteConnection connection, GalleryInfo info) =>
        (Location, _connection, Info) = (path, connection, info);

    /// <inheritdoc/>
    public string Location { get; }

    /// <inheritdoc/>
    public GalleryInfo Info { get; }

    /// <summary>Creates a new gallery file (and its folder) for embeddings of one model.</summary>
    /// <param name="path">File to create; must not exist.</param>
    /// <param name="modelId">Recogniser identifier; non-empty.</param>
    /// <param name="embeddingDimension">Embedding width D, &gt;= 1.</param>
    /// <returns>The open store.</returns>
    /// <exception cref="IOException">When <paramref name="path"/> already exists.</exception>
    /// <exception cref="ArgumentException">When <paramref name="modelId"/> is empty or the dimension is below 1.</exception>
    public static SqliteGalleryStore Create(string path, string modelId, int embeddingDimension)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingDimension, 1);
        path = System.IO.Path.GetFullPath(path);
        if (File.Exists(path)) throw new IOException($"Gallery '{path}' already exists; open it instead or delete it first.");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var connection = Connect(path, SqliteOpenMode.ReadWriteCreate);
        using (var tx = connection.BeginTransaction())
        {
            Execute(connection, tx, Schema);
            var meta = new Dictionary<string, string>
            {
                ["format_version"] = FormatVersion.ToString(CultureInfo.InvariantCulture),
                ["model_id"] = modelId,
                ["embedding_dim"] = embeddingDimension.ToString(CultureInfo.InvariantCulture),
                ["created_utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            };
            foreach (var (key, value) in meta)
                Execute(connection, tx, "INSERT INTO gallery_meta(key, value) VALUES ($k, $v)", ("$k", key), ("$v", value));
            tx.Commit();
        }
        return new SqliteGalleryStore(path, connection, new GalleryInfo(modelId, embeddingDimension, FormatVersion));
    }

    /// <summary>Opens an existing gallery file and checks its schema and format version.</summary>
    /// <param name="path">The gallery file.</param>
    /// <returns>The open store.</returns>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="GalleryFormatException">When the file is not SQLite, is corrupt, lacks the gallery schema or has a newer format version.</exception>
    public static SqliteGalleryStore Open(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Gallery '{path}' does not exist.", path);
        SqliteConnection? connection = null;
        try
        {
            connection = Connect(path, SqliteOpenMode.ReadWrite);
            return new SqliteGalleryStore(path, connection, ReadInfo(path, connection));
        }
        catch (SqliteException e)
        {
            connection?.Dispose();
            throw new GalleryFormatException(path, $"is not a readable SQLite database ({e.Message}).", e);
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    private static GalleryInfo ReadInfo(string path, SqliteConnection connection)
    {
        var tables = new HashSet<string>(StringComparer.Ordinal);
        using (var cmd = Command(connection, null, "SELECT name FROM sqlite_master WHERE type = 'table'"))
        using (var reader = cmd.ExecuteReader())
            while (reader.Read()) tables.Add(reader.GetString(0));
        var missing = new[] { "gallery_meta", "identities", "embeddings" }.Where(t => !tables.Contains(t)).ToArray();
        if (missing.Length > 0) throw new GalleryFormatException(path, $"is an SQLite database but not an SrFace gallery (missing table(s): {string.Join(", ", missing)}).");

        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var cmd = Command(connection, null, "SELECT key, value FROM gallery_meta"))
        using (var reader = cmd.ExecuteReader())
            while (reader.Read()) meta[reader.GetString(0)] = reader.GetString(1);
        int Int(string key) =>
            meta.TryGetValue(key, out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 1
                ? v : throw new GalleryFormatException(path, $"has a missing or invalid '{key}' in gallery_meta.");
        var version = Int("format_version");
        if (version > FormatVersion)
            throw new GalleryFormatException(path, $"has format version {version}, newer than this SrFace reads ({FormatVersion}); update SrFace.");
        var modelId = meta.GetValueOrDefault("model_id") ?? throw new GalleryFormatException(path, "has no 'model_id' in gallery_meta.");
        return new GalleryInfo(modelId, Int("embedding_dim"), version);
    }

    /// <inheritdoc/>
    public int IdentityCount()
    {
        using var cmd = Command(_connection, null, "SELECT COUNT(*) FROM identities");
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public void SaveIdentity(string identity, IReadOnlyList<GalleryEmbedding> added, bool replace, Func<IReadOnlyList<float[]>, float[]> computeTemplate)
    {
        _search = null;
        using var tx = _connection.BeginTransaction();
        var now = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        Execute(_connection, tx, "INSERT INTO identities(name, template, image_count, updated_utc) VALUES ($n, x'', 0, $t) ON CONFLICT(name) DO NOTHING",
            ("$n", identity), ("$t", now));
        var id = Convert.ToInt64(Scalar(tx, "SELECT id FROM identities WHERE name = $n", ("$n", identity)), CultureInfo.InvariantCulture);
        if (replace) Execute(_connection, tx, "DELETE FROM embeddings WHERE identity_id = $id", ("$id", id));
        foreach (var e in added)
            Execute(_connection, tx, "INSERT INTO embeddings(identity_id, source, vector) VALUES ($id, $s, $v)", ("$id", id), ("$s", e.Source), ("$v", ToBlob(e.Embedding)));
        var all = ReadEmbeddings(tx, id).Select(e => e.Embedding).ToArray();
        Execute(_connection, tx, "UPDATE identities SET template = $tpl, image_count = $c, updated_utc = $t WHERE id = $id",
            ("$tpl", ToBlob(computeTemplate(all))), ("$c", all.Length), ("$t", now), ("$id", id));
        tx.Commit();
    }

    /// <inheritdoc/>
    public bool DeleteIdentity(string identity)
    {
        _search = null;
        using var tx = _connection.BeginTransaction();
        Execute(_connection, tx, "DELETE FROM embeddings WHERE identity_id IN (SELECT id FROM identities WHERE name = $n)", ("$n", identity));
        var removed = Execute(_connection, tx, "DELETE FROM identities WHERE name = $n", ("$n", identity));
        tx.Commit();
        return removed > 0;
    }

    /// <inheritdoc/>
    public IReadOnlyList<GalleryIdentity> ListIdentities()
    {
        using var cmd = Command(_connection, null, "SELECT name, image_count FROM identities ORDER BY name");
        using var reader = cmd.ExecuteReader();
        var list = new List<GalleryIdentity>();
        while (reader.Read()) list.Add(new GalleryIdentity(reader.GetString(0), reader.GetInt32(1)));
        return list.OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
    }

    /// <inheritdoc/>
    public IReadOnlyList<GalleryEmbedding> LoadEmbeddings(string identity)
    {
        var id = Scalar(null, "SELECT id FROM identities WHERE name = $n", ("$n", identity));
        return id is null ? [] : ReadEmbeddings(null, Convert.ToInt64(id, CultureInfo.InvariantCulture));
    }

    /// <inheritdoc/>
    public IReadOnlyList<GalleryMatch> Search(float[] probe, int topK)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        var version = Convert.ToInt64(Scalar(null, "PRAGMA data_version"), CultureInfo.InvariantCulture);
        if (_search is null || version != _searchVersion)
        {
            using var cmd = Command(_connection, null, "SELECT name, template FROM identities");
            using var reader = cmd.ExecuteReader();
            var list = new List<(string, float[])>();
            while (reader.Read()) list.Add((reader.GetString(0), FromBlob((byte[])reader[1], $"template of '{reader.GetString(0)}'")));
            (_search, _searchVersion) = (new ExactTemplateSearch(list, Info.EmbeddingDimension), version);
        }
        return _search.Search(probe, topK);
    }

    /// <summary>Closes the database file.</summary>
    public void Dispose() => _connection.Dispose();

    private List<GalleryEmbedding> ReadEmbeddings(SqliteTransaction? tx, long identityId)
    {
        using var cmd = Command(_connection, tx, "SELECT source, vector FROM embeddings WHERE identity_id = $id ORDER BY id", ("$id", identityId));
        using var reader = cmd.ExecuteReader();
        var list = new List<GalleryEmbedding>();
        while (reader.Read()) list.Add(new GalleryEmbedding(reader.GetString(0), FromBlob((byte[])reader[1], $"embedding of '{reader.GetString(0)}'")));
        return list;
    }

    private static byte[] ToBlob(float[] vector) => MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();

    private float[] FromBlob(byte[] blob, string what)
    {
        if (blob.Length != 4 * Info.EmbeddingDimension)
            throw new GalleryFormatException(Location, $"is corrupt: the {what} has {blob.Length} bytes, expected {4 * Info.EmbeddingDimension} ({Info.EmbeddingDimension} float32).");
        return MemoryMarshal.Cast<byte, float>(blob).ToArray();
    }

    private object? Scalar(SqliteTransaction? tx, string sql, params (string, object)[] args)
    {
        using var cmd = Command(_connection, tx, sql, args);
        return cmd.ExecuteScalar();
    }

    private static int Execute(SqliteConnection c, SqliteTransaction? tx, string sql, params (string, object)[] args)
    {
        using var cmd = Command(c, tx, sql, args);
        return cmd.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object Value)[] args)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value);
        return cmd;
    }

    private static SqliteConnection Connect(string path, SqliteOpenMode mode)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false, ForeignKeys = true };
        var connection = new SqliteConnection(builder.ConnectionString);
        connection.Open();
        // Durable commits (an acknowledged enrolment survives a crash) and a wait instead of an error when another
        // process holds the write lock.
        Execute(connection, null, "PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000");
        return connection;
    }
}
