using Npgsql;

namespace SrFace.Recognition;

/// <summary>Where galleries are kept.</summary>
public enum GalleryBackend
{
    /// <summary>One SQLite file per gallery (<see cref="SqliteGalleryStore"/>): embedded, exact search.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database with pgvector (<see cref="PostgresGalleryStore"/>): many galleries, HNSW search.</summary>
    Postgres,
}

/// <summary>
/// A gallery connection string, as <c>--gallery</c> takes it in the CLI and the server:
/// <list type="bullet">
/// <item><c>sqlite:PATH</c> or a plain <c>PATH</c>: an SQLite gallery file (in the server: a folder of <c>NAME.db</c> files);</item>
/// <item><c>postgres://USER:PASSWORD@HOST:PORT/DATABASE?gallery=NAME</c> (or <c>postgresql://</c>): gallery NAME
/// (default <c>default</c>) in a PostgreSQL database with the pgvector extension. Other query parameters are Npgsql
/// connection options (e.g. <c>sslmode=require</c>, <c>timeout=5</c>).</item>
/// </list>
/// </summary>
/// <remarks><see cref="Display"/> never contains the password; use it in messages and logs.</remarks>
public sealed class GalleryAddress
{
    /// <summary>The gallery name used when a PostgreSQL address names none.</summary>
    public const string DefaultGalleryName = "default";

    private GalleryAddress(GalleryBackend backend, string target, string? galleryName, string display) =>
        (Backend, Target, GalleryName, Display) = (backend, target, galleryName, display);

    /// <summary>SQLite or PostgreSQL.</summary>
    public GalleryBackend Backend { get; }

    /// <summary>The full file (or folder) path for SQLite; the Npgsql connection string (with password) for PostgreSQL.</summary>
    public string Target { get; }

    /// <summary>The gallery name inside a PostgreSQL database (<c>?gallery=</c>); null for SQLite and when not given.</summary>
    public string? GalleryName { get; }

    /// <summary>The address without password, for messages.</summary>
    public string Display { get; }

    /// <summary>Parses a gallery connection string (see the type's summary).</summary>
    /// <param name="address">The string given to <c>--gallery</c>.</param>
    /// <returns>The parsed address.</returns>
    /// <exception cref="ArgumentException">When it is blank, has an unknown scheme, or is a malformed PostgreSQL URL (the message never shows the password).</exception>
    public static GalleryAddress Parse(string address)
    {
        if (string.IsNullOrWhiteSpace(address)) throw new ArgumentException("The gallery address is empty: give a file path, sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE.", nameof(address));
        address = address.Trim();
        if (address.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || address.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return ParsePostgres(address);
        var path = address;
        if (address.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            path = address["sqlite:".Length..];
            if (path.StartsWith("//", StringComparison.Ordinal)) path = path[2..]; // sqlite:///abs/path
            if (path.Length == 0) throw new ArgumentException("'sqlite:' needs a path, e.g. sqlite:galleries/default.db.", nameof(address));
        }
        else
        {
            var scheme = address.IndexOf("://", StringComparison.Ordinal);
            if (scheme > 0 && address[..scheme].All(char.IsAsciiLetter))
                throw new ArgumentException($"Unknown gallery scheme '{address[..scheme]}://': use a file path, sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE.", nameof(address));
        }
        var full = Path.GetFullPath(path);
        return new GalleryAddress(GalleryBackend.Sqlite, full, null, full);
    }

    /// <summary>Opens the existing gallery this address names.</summary>
    /// <returns>The open store (the caller disposes it).</returns>
    /// <exception cref="FileNotFoundException">When the gallery does not exist.</exception>
    /// <exception cref="GalleryFormatException">When it is not a readable SrFace gallery.</exception>
    public IGalleryStore OpenStore() => Backend == GalleryBackend.Sqlite
        ? SqliteGalleryStore.Open(Target)
        : PostgresGalleryStore.OpenOwned(this);

    /// <summary>Creates the gallery this address names.</summary>
    /// <param name="modelId">Recogniser identifier; non-empty.</param>
    /// <param name="embeddingDimension">Embedding width D, &gt;= 1.</param>
    /// <returns>The open, empty store.</returns>
    /// <exception cref="IOException">When it exists already.</exception>
    public IGalleryStore CreateStore(string modelId, int embeddingDimension) => Backend == GalleryBackend.Sqlite
        ? SqliteGalleryStore.Create(Target, modelId, embeddingDimension)
        : PostgresGalleryStore.CreateOwned(this, modelId, embeddingDimension);

    /// <summary>True when the gallery exists (the SQLite file, or the named gallery in the PostgreSQL database).</summary>
    /// <exception cref="GalleryFormatException">When the PostgreSQL database cannot be reached or read.</exception>
    public bool Exists()
    {
        if (Backend == GalleryBackend.Sqlite) return File.Exists(Target);
        using var database = PostgresGalleryDatabase.Connect(this);
        return database.Exists(GalleryName ?? DefaultGalleryName);
    }

    /// <inheritdoc />
    public override string ToString() => Display;

    private static GalleryAddress ParsePostgres(string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new ArgumentException($"Malformed PostgreSQL gallery address '{Redact(address)}': expected postgres://USER:PASSWORD@HOST:PORT/DATABASE[?gallery=NAME].", nameof(address));
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.IdnHost, Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port };
        string? user = null;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            user = Uri.UnescapeDataString(parts[0]);
            builder.Username = user;
            if (parts.Length == 2) builder.Password = Uri.UnescapeDataString(parts[1]);
        }
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0 || database.Contains('/'))
            throw new ArgumentException($"PostgreSQL gallery address '{Redact(address)}' names no database: expected postgres://USER:PASSWORD@HOST:PORT/DATABASE.", nameof(address));
        builder.Database = database;
        string? gallery = null;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            if (key.Equals("gallery", StringComparison.OrdinalIgnoreCase))
            {
                gallery = GalleryNames.Check(value);
                continue;
            }
            try
            {
                builder[Alias(key)] = value;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
            {
                throw new ArgumentException($"PostgreSQL gallery address '{Redact(address)}': unknown or invalid option '{key}' ({e.Message})", nameof(address), e);
            }
        }
        var display = $"postgres://{(user is null ? "" : Uri.EscapeDataString(user) + "@")}{uri.Authority.Split('@')[^1]}/{Uri.EscapeDataString(database)}"
                      + (gallery is null ? "" : $"?gallery={gallery}");
        return new GalleryAddress(GalleryBackend.Postgres, builder.ConnectionString, gallery, display);
    }

    private static string Alias(string key) => key.ToLowerInvariant() switch
    {
        "sslmode" => "SSL Mode",
        "connect_timeout" => "Timeout",
        "application_name" => "Application Name",
        _ => key,
    };

    private static string Redact(string address)
    {
        var at = address.IndexOf('@');
        var scheme = address.IndexOf("://", StringComparison.Ordinal);
        if (at < 0 || scheme < 0 || at < scheme) return address;
        var colon = address.IndexOf(':', scheme + 3);
        return colon > 0 && colon < at ? address[..(colon + 1)] + "***" + address[at..] : address;
    }
}
