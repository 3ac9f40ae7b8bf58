using SrFace.Data;
using SrFace.Data.Sampling;
using static TorchSharp.torch;

namespace SrFace.Benchmarks.Harness;

/// <summary>
/// Fixed P x K batches of face images for the benchmarks: real LFW faces (deep-funneled, LFW crop) when the shared
/// datasets folder is present, otherwise uniform random pixels. Speed does not depend on pixel values, but real faces
/// keep the losses in their usual range, so that is the default; the source is printed with every suite.
/// </summary>
public sealed class FaceBatches
{
    private readonly FaceDataset? _dataset;
    private readonly int[] _indices;
    private readonly int _identities;
    private readonly int _perIdentity;

    /// <summary>Prepares the batch selection (no image is decoded until <see cref="Load"/>).</summary>
    /// <param name="lfwImages">The <c>lfw-deepfunneled</c> folder, or null / missing for synthetic data.</param>
    /// <param name="identities">P, identities per batch.</param>
    /// <param name="perIdentity">K, images per identity.</param>
    public FaceBatches(string? lfwImages, int identities, int perIdentity)
    {
        _identities = identities;
        _perIdentity = perIdentity;
        _indices = [];
        if (lfwImages is null || !Directory.Exists(lfwImages))
        {
            Source = "synthetic uniform random pixels (LFW not found" + (lfwImages is null ? ")" : $" at {lfwImages})");
            return;
        }
        _dataset = FaceDataset.FromIdentityFolders(lfwImages).WithMinImagesPerIdentity(perIdentity);
        var labels = _dataset.Samples.Select(s => s.Label).ToArray();
        _indices = new PkBatchSampler(labels, identities, perIdentity, seed: 1).BatchAt(0);
        Source = $"real LFW faces ({identities} x {perIdentity} from {lfwImages}, LFW crop)";
    }

    /// <summary>Describes the data, for the report.</summary>
    public string Source { get; }

    /// <summary>True when the images are real LFW faces.</summary>
    public bool IsReal => _dataset is not null;

    /// <summary>Batch size P x K.</summary>
    public int Count => _identities * _perIdentity;

    /// <summary>Loads the batch at a given side.</summary>
    /// <param name="size">Side S in pixels.</param>
    /// <returns>Images <c>[P*K, 3, S, S]</c> float32 in [0, 1] and labels <c>[P*K]</c> int64, in the caller's dispose scope.</returns>
    /// <summary>The files of the batch (empty without LFW).</summary>
    public IReadOnlyList<string> Files => _dataset is null ? [] : _indices.Select(i => _dataset.Samples[i].Path).ToArray();

    public (Tensor Images, Tensor Labels) Load(int size)
    {
        if (_dataset is null)
        {
            var generator = new TorchSharp.torch.Generator(1234);
            var images = rand([Count, 3, size, size], generator: generator);
            var labels = arange(_identities, dtype: int64).repeat_interleave(_perIdentity);
            return (images, labels);
        }
        var loader = new FaceImageLoader(_dataset, FacePreprocessing.Lfw(size));
        return (loader.LoadBatch(_indices), loader.LoadLabels(_indices));
    }
}
