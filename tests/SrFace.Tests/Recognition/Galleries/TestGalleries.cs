using SrFace.Recognition;

namespace SrFace.Tests.Recognition.Galleries;

/// <summary>
/// Where a test's galleries live: SQLite files in a temporary folder, or galleries with fresh names in the test
/// PostgreSQL database (dropped by <see cref="Dispose"/>). The shared suites take one of each.
/// </summary>
public abstract class TestGalleries : IDisposable
{
    /// <summary>The backend for a name used in theories: "sqlite" or "postgres" (the latter skips without a database).</summary>
    public static TestGalleries Of(string name) => name switch
    {
        "sqlite" => new SqliteBackend(),
        "postgres" => new PostgresBackend(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>A gallery address no gallery exists at yet.</summary>
    public abstract string NewGalleryAddress();

    /// <summary>A <c>--gallery</c> string for a server catalogue (folder or database).</summary>
    public abstract string CatalogAddress();

    /// <summary>Removes what the test made.</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);

    private sealed class SqliteBackend : TestGalleries
    {
        private readonly string _folder = TestData.NewTempDir();
        private int _next;

        public override string NewGalleryAddress() => $"sqlite:{Path.Combine(_folder, $"g{Interlocked.Increment(ref _next)}.db")}";

        public override string CatalogAddress() => $"sqlite:{Path.Combine(_folder, "catalog")}";
    }

    private sealed class PostgresBackend : TestGalleries
    {
        private readonly string _url = TestPostgres.Require();
        private readonly List<string> _galleries = [];
        private string? _catalogPrefix;

        public override string NewGalleryAddress()
        {
            var name = TestPostgres.NewGalleryName();
            lock (_galleries) _galleries.Add(name);
            return $"{_url}?gallery={name}";
        }

        public override string CatalogAddress()
        {
            _catalogPrefix ??= "t" + Guid.NewGuid().ToString("N")[..8];
            return _url;
        }

        /// <summary>Galleries the server tests make must start with this prefix so that they are dropped afterwards.</summary>
        public string CatalogPrefix => _catalogPrefix ??= "t" + Guid.NewGuid().ToString("N")[..8];

        public override void Dispose()
        {
            using var database = PostgresGalleryDatabase.Connect(GalleryAddress.Parse(_url));
            foreach (var name in _galleries) database.DropGallery(name);
            if (_catalogPrefix is not null)
                foreach (var name in database.ListGalleries().Where(n => n.StartsWith(_catalogPrefix, StringComparison.Ordinal))) database.DropGallery(name);
            base.Dispose();
        }
    }

    /// <summary>A gallery name that <see cref="Dispose"/> removes from a catalogue (prefixed for PostgreSQL).</summary>
    public string CatalogGalleryName(string suffix) => this is PostgresBackend pg ? $"{pg.CatalogPrefix}-{suffix}" : suffix;
}
