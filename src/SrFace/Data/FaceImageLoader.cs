using System.Collections.Concurrent;
using SrFace.Imaging;
using static TorchSharp.torch;

namespace SrFace.Data;

/// <summary>
/// Turns dataset samples (or any image files) into model-input batches <c>[N, C, S, S]</c> float32 in [0, 1] with the
/// one preprocessing stage, <see cref="FacePreparer"/>. A centred crop (read, crop, bicubic antialiased resize) runs
/// in managed code (<see cref="FacePreparer.PrepareManaged"/>: the same result as its TorchSharp path to 1e-6, with no
/// libtorch call); detection + alignment runs in libtorch (<see cref="ReadsInManagedCode"/> is then false), each face
/// in its own dispose scope on a pool thread. Either way batches can be read on worker threads (<see cref="ReadBatch"/>)
/// while the training thread computes. With <c>cacheCrops</c>, each file's preprocessed crop is kept in
/// managed memory (C x S x S x 4 bytes per image: 150 KB at 3x112x112, so about 2 GB for all of LFW), because
/// training revisits every image each epoch and JPEG decoding dominates the loading time.
/// </summary>
public sealed class FaceImageLoader
{
    private readonly FaceImageReader _reader;
    private readonly FacePreparer _preparer;
    private readonly ConcurrentDictionary<string, float[]>? _cache;
    private readonly int _parallelism;

    /// <summary>Creates a loader.</summary>
    /// <param name="dataset">The samples that indices refer to.</param>
    /// <param name="preprocessing">Crop, size and colour layout.</param>
    /// <param name="cacheCrops">Keep preprocessed crops in memory, keyed by file path.</param>
    /// <param name="maxDegreeOfParallelism">Images decoded at once, at least 1 (safe above 1: a centred crop makes no libtorch call while loading).</param>
    /// <param name="maxPixels">Pixel cap passed to the reader.</param>
    /// <exception cref="ArgumentOutOfRangeException">Invalid preprocessing or parallelism.</exception>
    /// <exception cref="ArgumentException">When the preprocessing aligns faces (that needs a detector: use the <see cref="FacePreparer"/> overload).</exception>
    public FaceImageLoader(FaceDataset dataset, FacePreprocessing preprocessing, bool cacheCrops = false,
        int maxDegreeOfParallelism = 1, long maxPixels = FaceImageReader.DefaultMaxPixels)
        : this(dataset, new FacePreparer(preprocessing), cacheCrops, maxDegreeOfParallelism, maxPixels) { }

    /// <summary>Creates a loader that prepares faces with <paramref name="preparer"/> (centred crop or detection + alignment).</summary>
    /// <param name="dataset">The samples that indices refer to.</param>
    /// <param name="preparer">The preprocessing stage (its size is the output side).</param>
    /// <param name="cacheCrops">Keep prepared faces in memory, keyed by file path (detection then runs once per file).</param>
    /// <param name="maxDegreeOfParallelism">Images decoded at once, at least 1 (detection itself runs one image at a time;
    /// with alignment, libtorch calls from several threads at once crashed natively (rarely, in <c>clamp_</c>), so keep 1).</param>
    /// <param name="maxPixels">Pixel cap passed to the reader.</param>
    /// <exception cref="ArgumentOutOfRangeException">Invalid parallelism.</exception>
    public FaceImageLoader(FaceDataset dataset, FacePreparer preparer, bool cacheCrops = false,
        int maxDegreeOfParallelism = 1, long maxPixels = FaceImageReader.DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(preparer);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDegreeOfParallelism, 1);
        var preprocessing = preparer.Preprocessing;
        _preparer = preparer;
        Dataset = dataset;
        Preprocessing = preprocessing;
        _reader = new FaceImageReader(preprocessing.Color, maxPixels);
        _cache = cacheCrops ? new ConcurrentDictionary<string, float[]>(StringComparer.Ordinal) : null;
        _parallelism = maxDegreeOfParallelism;
    }

    private FaceImageLoader(FaceImageLoader source, FaceDataset dataset)
    {
        _reader = source._reader;
        _preparer = source._preparer;
        _cache = source._cache;
        _parallelism = source._parallelism;
        Dataset = dataset;
        Preprocessing = source.Preprocessing;
    }

    /// <summary>
    /// A loader of another dataset that shares this loader's preprocessing stage and crop cache: a face prepared by
    /// either is prepared once (LFW View 2 fine-tunes ten times on overlapping people; each image is detected and
    /// aligned once).
    /// </summary>
    /// <param name="dataset">The samples that the new loader's indices refer to.</param>
    /// <returns>The loader.</returns>
    public FaceImageLoader WithDataset(FaceDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new FaceImageLoader(this, dataset);
    }

    /// <summary>The preprocessing stage (centred crop, or detection + alignment) this loader prepares faces with.</summary>
    public FacePreparer Preparer => _preparer;

    /// <summary>The samples that indices refer to.</summary>
    public FaceDataset Dataset { get; }

    /// <summary>Crop, size and colour layout.</summary>
    public FacePreprocessing Preprocessing { get; }

    /// <summary>
    /// True when loading makes no libtorch call (a centred crop: <see cref="FacePreparer.PrepareManaged"/>); false when
    /// faces are detected and aligned (libtorch).
    /// </summary>
    public bool ReadsInManagedCode => !_preparer.Aligns;

    /// <summary>Number of crops held in the cache (0 without caching).</summary>
    public int CachedCount => _cache?.Count ?? 0;

    /// <summary>Loads the samples at <paramref name="indices"/> (repeats allowed) as one batch.</summary>
    /// <param name="indices">Indices into <see cref="FaceDataset.Samples"/>.</param>
    /// <returns><c>[N, C, S, S]</c> float32 in [0, 1], N = indices count.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the dataset.</exception>
    /// <exception cref="FileNotFoundException">An image file is missing.</exception>
    /// <exception cref="InvalidImageException">An image file is unusable.</exception>
    /// <exception cref="InvalidDataException">An image is smaller than the crop.</exception>
    public Tensor LoadBatch(IReadOnlyList<int> indices)
    {
        foreach (var index in indices)
            if ((uint)index >= (uint)Dataset.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"Sample index outside 0..{Dataset.Count - 1}.");
        return LoadFiles(indices.Select(i => Dataset.Samples[i].Path).ToList());
    }

    /// <summary>The labels of the samples at <paramref name="indices"/>.</summary>
    /// <param name="indices">Indices into <see cref="FaceDataset.Samples"/>.</param>
    /// <returns><c>[N]</c> int64 class labels.</returns>
    public Tensor LoadLabels(IReadOnlyList<int> indices) =>
        tensor(indices.Select(i => (long)Dataset.Samples[i].Label).ToArray(), dtype: int64);

    /// <summary>Loads arbitrary image files (e.g. both sides of LFW pairs) as one batch, with the same preprocessing and cache.</summary>
    /// <param name="paths">Image files.</param>
    /// <returns><c>[N, C, S, S]</c> float32 in [0, 1].</returns>
    /// <exception cref="FileNotFoundException">An image file is missing.</exception>
    /// <exception cref="InvalidImageException">An image file is unusable.</exception>
    /// <exception cref="InvalidDataException">An image is smaller than the crop.</exception>
    public Tensor LoadFiles(IReadOnlyList<string> paths)
    {
        var (pixels, shape) = ReadFiles(paths);
        return tensor(pixels, shape);
    }

    /// <summary>
    /// <see cref="LoadBatch"/> without any tensor: the batch's pixels in managed memory, so it can run on a worker thread
    /// while libtorch computes on another (background prefetch in <see cref="Training.TrainingRun"/>; faces that are
    /// detected and aligned call libtorch from that thread, in their own dispose scopes, with no random draws).
    /// </summary>
    /// <param name="indices">Sample indices into <see cref="Dataset"/>.</param>
    /// <returns>Pixels <c>[N, C, S, S]</c> row-major, float in [0, 1], and that shape.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the dataset.</exception>
    /// <exception cref="InvalidImageException">A file is not a readable image (the first failing file is named).</exception>
    public (float[] Pixels, long[] Shape) ReadBatch(IReadOnlyList<int> indices)
    {
        foreach (var index in indices)
            if ((uint)index >= (uint)Dataset.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"Sample index outside 0..{Dataset.Count - 1}.");
        return ReadFiles(indices.Select(i => Dataset.Samples[i].Path).ToList());
    }

    private (float[] Pixels, long[] Shape) ReadFiles(IReadOnlyList<string> paths)
    {
        var crops = new float[paths.Count][];
        try
        {
            Parallel.For(0, paths.Count, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, i => crops[i] = Crop(paths[i]));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // Surface the first bad file as itself (InvalidImageException, FileNotFoundException...), not as an aggregate.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        var channels = Preprocessing.Color == ColorMode.Grey ? 1 : crops.Length > 0 ? crops[0].Length / (Preprocessing.Size * Preprocessing.Size) : 3;
        var perImage = channels * Preprocessing.Size * Preprocessing.Size;
        var batch = new float[(long)paths.Count * perImage];
        for (var i = 0; i < crops.Length; i++)
        {
            // ColorMode.Source can mix 1- and 3-channel files; a batch needs one layout.
            if (crops[i].Length != perImage)
                throw new InvalidDataException($"{paths[i]}: has {crops[i].Length / (Preprocessing.Size * Preprocessing.Size)} channels, the batch has {channels}; use ColorMode.Rgb or Grey.");
            crops[i].CopyTo(batch, (long)i * perImage);
        }
        return (batch, [paths.Count, channels, Preprocessing.Size, Preprocessing.Size]);
    }

    private float[] Crop(string path)
    {
        if (_cache != null && _cache.TryGetValue(path, out var cached)) return cached;
        float[] crop;
        if (ReadsInManagedCode)
        {
            var image = ManagedFacePreprocessing.Read(path, Preprocessing.Color, _reader.MaxPixels);
            crop = _preparer.PrepareManaged(image, path).Chip.Pixels;
        }
        else
        {
            using var scope = NewDisposeScope();
            var image = _reader.Read(path);
            crop = _preparer.Prepare(image, path).Chip.contiguous().data<float>().ToArray();
        }
        _cache?.TryAdd(path, crop);
        return crop;
    }
}
