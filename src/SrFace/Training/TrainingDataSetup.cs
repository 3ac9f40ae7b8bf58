using SrFace.Data;

namespace SrFace.Training;

/// <summary>
/// The data of one training run: the loader of the identities trained on and the held-out validation identities.
/// </summary>
/// <param name="Train">Cached loader of the training identities that have at least the minimum image count.</param>
/// <param name="Validation">The held-out identities (disjoint from <see cref="Train"/>; may be empty).</param>
/// <param name="Listed">Figures of every identity read (before the split and the minimum-count filter).</param>
/// <param name="DroppedIdentities">Training identities dropped for having too few images.</param>
/// <param name="DroppedImages">Images of the dropped identities.</param>
public sealed record TrainingData(FaceImageLoader Train, FaceDataset Validation, DatasetStatistics Listed, int DroppedIdentities, int DroppedImages);

/// <summary>
/// Builds the training data of a run from a folder-per-identity dataset (LFW deep-funneled) and an optional people
/// list (LFW View 1 <c>peopleDevTrain.txt</c>), so the CLI's <c>train</c> and <c>demo</c> commands set it up alike:
/// read the identities, split off validation identities (<see cref="FaceDataset.SplitByIdentity"/>), keep the
/// training identities with at least K images (the P x K sampler could not use the rest) and cache their crops.
/// </summary>
/// <remarks>
/// Never pass the LFW evaluation lists (<c>peopleDevTest.txt</c>, or the people of <c>pairs.txt</c>) here: the
/// validation split is carved out of the training people so evaluation identities stay unseen.
/// </remarks>
public static class TrainingDataSetup
{
    /// <summary>The LFW image folder inside a datasets folder.</summary>
    public static readonly string LfwImagesFolder = Path.Combine("lfw", "lfw-deepfunneled");

    /// <summary>The LFW View 1 training people list inside a datasets folder.</summary>
    public static readonly string LfwTrainPeopleFile = Path.Combine("lfw", "peopleDevTrain.txt");

    /// <summary>Default fraction of the training identities held out for validation (5 %).</summary>
    public const double DefaultValidationFraction = 0.05;

    /// <summary>Default seed of the validation split: fixed, and independent of the training seed, so runs with
    /// different seeds are validated on the same people.</summary>
    public const int DefaultSplitSeed = 20070101;

    /// <summary>Reads the identities, splits off validation identities and builds the cached training loader.</summary>
    /// <param name="imagesRoot">Folder with one subfolder of images per identity (e.g. <c>datasets/lfw/lfw-deepfunneled</c>).</param>
    /// <param name="people">People list selecting the identities, or null for every subfolder.</param>
    /// <param name="preprocessing">Face crop and size (its size must be the recogniser's input size S).</param>
    /// <param name="minImagesPerIdentity">K: training identities with fewer images are dropped, at least 1.</param>
    /// <param name="validationFraction">Fraction of identities held out, in [0, 1).</param>
    /// <param name="splitSeed">Seed of the identity split.</param>
    /// <returns>The loader, the validation identities and the counts to report.</returns>
    /// <exception cref="DirectoryNotFoundException">When <paramref name="imagesRoot"/> does not exist.</exception>
    /// <exception cref="LfwFileFormatException">When a listed person is missing or has another image count.</exception>
    /// <exception cref="InvalidDataException">When no training identity has <paramref name="minImagesPerIdentity"/> images.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When the fraction is outside [0, 1) or the minimum is below 1.</exception>
    public static TrainingData FromIdentityFolders(string imagesRoot, PeopleList? people, FacePreprocessing preprocessing,
        int minImagesPerIdentity, double validationFraction = DefaultValidationFraction, int splitSeed = DefaultSplitSeed) =>
        FromIdentityFolders(imagesRoot, people, new FacePreparer(preprocessing), minImagesPerIdentity, validationFraction, splitSeed);

    /// <summary>
    /// <see cref="FromIdentityFolders(string, PeopleList?, FacePreprocessing, int, double, int)"/> with a preprocessing
    /// stage of the caller's: faces detected and aligned to a pretrained recogniser's template (each file once, cached).
    /// </summary>
    /// <param name="imagesRoot">Folder with one subfolder of images per identity.</param>
    /// <param name="people">People list selecting the identities, or null for every subfolder.</param>
    /// <param name="preparer">The preprocessing stage (its size must be the recogniser's input size S).</param>
    /// <param name="minImagesPerIdentity">K: training identities with fewer images are dropped, at least 1.</param>
    /// <param name="validationFraction">Fraction of identities held out, in [0, 1).</param>
    /// <param name="splitSeed">Seed of the identity split.</param>
    /// <returns>The loader, the validation identities and the counts to report.</returns>
    /// <exception cref="DirectoryNotFoundException">When <paramref name="imagesRoot"/> does not exist.</exception>
    /// <exception cref="LfwFileFormatException">When a listed person is missing or has another image count.</exception>
    /// <exception cref="InvalidDataException">When no training identity has <paramref name="minImagesPerIdentity"/> images.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When the fraction is outside [0, 1) or the minimum is below 1.</exception>
    public static TrainingData FromIdentityFolders(string imagesRoot, PeopleList? people, FacePreparer preparer,
        int minImagesPerIdentity, double validationFraction = DefaultValidationFraction, int splitSeed = DefaultSplitSeed)
    {
        ArgumentNullException.ThrowIfNull(preparer);
        ArgumentOutOfRangeException.ThrowIfLessThan(minImagesPerIdentity, 1);
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be in [0, 1).");
        var all = FaceDataset.FromIdentityFolders(imagesRoot, people);
        var (train, validation) = all.SplitByIdentity(validationFraction, splitSeed);
        var kept = train.WithMinImagesPerIdentity(minImagesPerIdentity);
        if (kept.Count == 0)
            throw new InvalidDataException(
                $"No training identity under {imagesRoot} has {minImagesPerIdentity} or more images (K); lower K or use more people.");
        return new TrainingData(new FaceImageLoader(kept, preparer, cacheCrops: true), validation, all.Statistics(),
            train.Identities.Count - kept.Identities.Count, train.Count - kept.Count);
    }

    /// <summary>
    /// Picks up to <paramref name="count"/> faces spread evenly over a dataset's samples (identity-sorted), so a small
    /// check covers many people rather than the first few.
    /// </summary>
    /// <param name="dataset">Usually <see cref="TrainingData.Validation"/>.</param>
    /// <param name="count">Maximum faces, at least 1.</param>
    /// <returns>Image paths in sample order (all of them when the dataset has at most <paramref name="count"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="count"/> is below 1.</exception>
    public static IReadOnlyList<string> SpreadSample(FaceDataset dataset, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var n = dataset.Count;
        if (n <= count) return dataset.Samples.Select(s => s.Path).ToList();
        return Enumerable.Range(0, count).Select(i => dataset.Samples[(int)((long)i * n / count)].Path).ToList();
    }
}
