using System.Collections.Concurrent;
using SrFace.Recognition;
using SrFace.Server.Inference;

namespace SrFace.Server.Galleries;

/// <summary>
/// The server's galleries (<see cref="IGalleryCatalog"/> from <c>--gallery</c>): each is opened once, checked against
/// the loaded model, and used under its own lock (an SQLite gallery is one connection; the lock also orders the
/// enrolments of one gallery). An enrolment returns only after its transaction committed.
/// </summary>
internal sealed class GalleryService : IDisposable
{
    private readonly IGalleryCatalog _catalog;
    private readonly InferenceWorker _worker;
    private readonly ConcurrentDictionary<string, Entry> _open = new(StringComparer.Ordinal);

    public GalleryService(ServerOptions options, InferenceWorker worker)
    {
        _catalog = GalleryCatalog.Open(options.Gallery);
        _worker = worker;
    }

    /// <summary>Where the galleries live (no password).</summary>
    public string Location => _catalog.Location;

    /// <summary>Runs <paramref name="work"/> on a gallery under its lock.</summary>
    /// <param name="name">Gallery name.</param>
    /// <param name="create">True to create a missing gallery for the loaded model; false to fail with <see cref="GalleryNotFoundException"/>.</param>
    /// <param name="work">The work (synchronous store calls).</param>
    /// <param name="cancellationToken">Cancels the wait for the lock.</param>
    /// <exception cref="ArgumentException">When the name is invalid.</exception>
    /// <exception cref="GalleryNotFoundException">When the gallery does not exist and <paramref name="create"/> is false.</exception>
    /// <exception cref="InvalidOperationException">When the gallery was built with another model.</exception>
    public async Task<T> WithGalleryAsync<T>(string name, bool create, Func<FaceGallery, T> work, CancellationToken cancellationToken)
    {
        GalleryNames.Check(name);
        var entry = _open.GetOrAdd(name, _ => new Entry());
        await entry.Lock.WaitAsync(cancellationToken);
        try
        {
            if (entry.Gallery is null)
            {
                var gallery = create ? _catalog.OpenOrCreate(name, _worker.ModelId, _worker.EmbeddingDimension) : _catalog.TryOpen(name);
                if (gallery is null) throw new GalleryNotFoundException(name);
                entry.Gallery = CheckModel(gallery);
            }
            return await Task.Run(() => work(entry.Gallery), CancellationToken.None);
        }
        finally
        {
            entry.Lock.Release();
        }
    }

    /// <summary>Closes every open gallery and the catalogue.</summary>
    public void Dispose()
    {
        foreach (var entry in _open.Values) entry.Gallery?.Dispose();
        _catalog.Dispose();
    }

    private FaceGallery CheckModel(FaceGallery gallery)
    {
        if (gallery.ModelId == _worker.ModelId && gallery.EmbeddingDimension == _worker.EmbeddingDimension) return gallery;
        var message = $"Gallery '{gallery.Location}' was built with model '{gallery.ModelId}' ({gallery.EmbeddingDimension}-d); this server runs '{_worker.ModelId}' ({_worker.EmbeddingDimension}-d).";
        gallery.Dispose();
        throw new InvalidOperationException(message);
    }

    private sealed class Entry
    {
        public SemaphoreSlim Lock { get; } = new(1, 1);

        public FaceGallery? Gallery { get; set; }
    }
}

/// <summary>No gallery of that name exists (404).</summary>
internal sealed class GalleryNotFoundException(string name) : Exception($"No gallery '{name}': enrol an identity into it first.");
