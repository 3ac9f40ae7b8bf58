namespace SrFace.Recognition;

/// <summary>
/// A set of named galleries (what <c>srface serve</c> serves as <c>/v1/galleries/{name}</c>): a folder of SQLite
/// files (<see cref="SqliteGalleryCatalog"/>) or a PostgreSQL database (<see cref="PostgresGalleryCatalog"/>). Open one
/// from a <c>--gallery</c> string with <see cref="GalleryCatalog.Open"/>.
/// </summary>
public interface IGalleryCatalog : IDisposable
{
    /// <summary>Where the galleries live (folder, or database URL without password), for messages.</summary>
    string Location { get; }

    /// <summary>Opens a gallery, or returns null when none of that name exists.</summary>
    /// <param name="name">Gallery name (<see cref="GalleryNames"/>).</param>
    /// <returns>The open gallery (the caller disposes it), or null.</returns>
    /// <exception cref="ArgumentException">When the name is invalid.</exception>
    /// <exception cref="GalleryFormatException">When it exists but cannot be read.</exception>
    FaceGallery? TryOpen(string name);

    /// <summary>Opens a gallery, creating it for this model when it does not exist.</summary>
    /// <param name="name">Gallery name (<see cref="GalleryNames"/>).</param>
    /// <param name="modelId">Recogniser identifier recorded in a new gallery.</param>
    /// <param name="embeddingDimension">Embedding width D recorded in a new gallery.</param>
    /// <returns>The open gallery (the caller disposes it and checks its model).</returns>
    FaceGallery OpenOrCreate(string name, string modelId, int embeddingDimension);
}

/// <summary>Opens an <see cref="IGalleryCatalog"/> from a <c>--gallery</c> string.</summary>
public static class GalleryCatalog
{
    /// <summary>
    /// <c>sqlite:DIR</c> or a plain <c>DIR</c>: a folder of <c>NAME.db</c> files (created when missing);
    /// <c>postgres://USER:PASSWORD@HOST:PORT/DATABASE</c>: every gallery of that database (no <c>?gallery=</c>).
    /// </summary>
    /// <param name="address">The connection string.</param>
    /// <returns>The catalogue (the caller disposes it).</returns>
    /// <exception cref="ArgumentException">When the address is malformed, names a gallery, or the SQLite path is a file.</exception>
    /// <exception cref="GalleryFormatException">When the PostgreSQL database cannot be reached now (a server should not
    /// start and report itself healthy on a store it cannot use).</exception>
    public static IGalleryCatalog Open(string address)
    {
        var parsed = GalleryAddress.Parse(address);
        if (parsed.Backend == GalleryBackend.Sqlite) return new SqliteGalleryCatalog(parsed.Target);
        if (parsed.GalleryName is not null)
            throw new ArgumentException($"'{parsed.Display}' names one gallery; the server serves every gallery of the database: leave out ?gallery=.", nameof(address));
        var database = PostgresGalleryDatabase.Connect(parsed);
        try
        {
            database.CheckReachable();
        }
        catch
        {
            database.Dispose();
            throw;
        }
        return new PostgresGalleryCatalog(database);
    }
}

/// <summary>Galleries as SQLite files <c>NAME.db</c> in one folder.</summary>
public sealed class SqliteGalleryCatalog : IGalleryCatalog
{
    /// <summary>Uses (and creates) the folder.</summary>
    /// <param name="folder">The folder of gallery files.</param>
    /// <exception cref="ArgumentException">When <paramref name="folder"/> is an existing file.</exception>
    public SqliteGalleryCatalog(string folder)
    {
        Location = Path.GetFullPath(folder);
        if (File.Exists(Location)) throw new ArgumentException($"'{Location}' is a file; the server keeps one SQLite file per gallery in a folder: give a folder (sqlite:DIR).", nameof(folder));
        Directory.CreateDirectory(Location);
    }

    /// <inheritdoc/>
    public string Location { get; }

    /// <summary>The file of a gallery.</summary>
    /// <param name="name">Gallery name.</param>
    public string PathOf(string name) => Path.Combine(Location, GalleryNames.Check(name) + ".db");

    /// <inheritdoc/>
    public FaceGallery? TryOpen(string name)
    {
        var path = PathOf(name);
        return File.Exists(path) ? new FaceGallery(SqliteGalleryStore.Open(path)) : null;
    }

    /// <inheritdoc/>
    public FaceGallery OpenOrCreate(string name, string modelId, int embeddingDimension) =>
        TryOpen(name) ?? new FaceGallery(SqliteGalleryStore.Create(PathOf(name), modelId, embeddingDimension));

    /// <summary>Nothing to release (each gallery owns its file).</summary>
    public void Dispose() { }
}

/// <summary>Galleries in one PostgreSQL database (<see cref="PostgresGalleryDatabase"/>); thread-safe.</summary>
public sealed class PostgresGalleryCatalog : IGalleryCatalog
{
    private readonly PostgresGalleryDatabase _database;

    /// <summary>Serves the galleries of <paramref name="database"/>, which this catalogue then owns.</summary>
    /// <param name="database">The database.</param>
    public PostgresGalleryCatalog(PostgresGalleryDatabase database) => _database = database ?? throw new ArgumentNullException(nameof(database));

    /// <inheritdoc/>
    public string Location => _database.Location;

    /// <inheritdoc/>
    public FaceGallery? TryOpen(string name)
    {
        GalleryNames.Check(name);
        try
        {
            return new FaceGallery(_database.OpenGallery(name));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public FaceGallery OpenOrCreate(string name, string modelId, int embeddingDimension)
    {
        if (TryOpen(name) is { } existing) return existing;
        try
        {
            return new FaceGallery(_database.CreateGallery(name, modelId, embeddingDimension));
        }
        catch (IOException) when (TryOpen(name) is { } raced)
        {
            return raced; // made by another process in between
        }
    }

    /// <summary>Closes the connection pool.</summary>
    public void Dispose() => _database.Dispose();
}
