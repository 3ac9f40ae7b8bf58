namespace SrFace.Data;

/// <summary>
/// An identity-labelled set of face images, such as LFW (<c>lfw-deepfunneled/NAME/NAME_NNNN.jpg</c>) or ORL
/// (<c>sN/M.pgm</c>). Identities are sorted ordinally and a sample's label is its identity's index in that list,
/// so labels are 0..<see cref="Identities"/>.Count-1 in every dataset and every subset (subsets relabel).
/// </summary>
public sealed class FaceDataset
{
    /// <summary>File extensions (case-insensitive) taken as images by <see cref="FromIdentityFolders"/>.</summary>
    public static readonly IReadOnlySet<string> ImageExtensions =
        new HashSet<string>([".jpg", ".jpeg", ".png", ".pgm"], StringComparer.OrdinalIgnoreCase);

    private readonly Dictionary<string, int> _labels;

    /// <summary>Creates a dataset from (path, identity) items; labels are assigned from the sorted identities.</summary>
    /// <param name="root">The folder the images come from (informational).</param>
    /// <param name="items">The images with their identities, in the order the samples should keep.</param>
    /// <exception cref="ArgumentException">An identity or path is empty.</exception>
    public FaceDataset(string root, IEnumerable<(string Path, string Identity)> items)
    {
        Root = root;
        var list = items.ToList();
        if (list.Any(item => string.IsNullOrEmpty(item.Path) || string.IsNullOrEmpty(item.Identity)))
            throw new ArgumentException("Every sample needs a path and an identity.", nameof(items));
        Identities = list.Select(item => item.Identity).Distinct().Order(StringComparer.Ordinal).ToList();
        _labels = Identities.Select((name, index) => (name, index)).ToDictionary(p => p.name, p => p.index, StringComparer.Ordinal);
        Samples = list.Select(item => new FaceSample(item.Path, item.Identity, _labels[item.Identity])).ToList();
    }

    /// <summary>The folder the images come from.</summary>
    public string Root { get; }

    /// <summary>All samples: grouped by identity (sorted) and in natural file order within one, when built from folders.</summary>
    public IReadOnlyList<FaceSample> Samples { get; }

    /// <summary>The identities, sorted ordinally; index = label.</summary>
    public IReadOnlyList<string> Identities { get; }

    /// <summary>Number of samples.</summary>
    public int Count => Samples.Count;

    /// <summary>The label of <paramref name="identity"/>.</summary>
    /// <exception cref="KeyNotFoundException">The identity is not in this dataset.</exception>
    public int LabelOf(string identity) =>
        _labels.TryGetValue(identity, out var label) ? label : throw new KeyNotFoundException($"Identity '{identity}' is not in the dataset at {Root}.");

    /// <summary>True when <paramref name="identity"/> is in this dataset.</summary>
    public bool Contains(string identity) => _labels.ContainsKey(identity);

    /// <summary>
    /// Reads a folder-per-identity layout: every subfolder of <paramref name="root"/> holding at least one image
    /// (by extension, see <see cref="ImageExtensions"/>) is an identity. Files at the root, other file types and
    /// subfolders without images are ignored (the ORL root holds a README). Only the directory listing is read.
    /// </summary>
    /// <param name="root">E.g. <c>datasets/lfw/lfw-deepfunneled</c> or <c>datasets/orl</c>.</param>
    /// <param name="people">Optional list selecting the identities; each listed person must be a folder whose image
    /// count equals the listed count.</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">No identity folder holds an image.</exception>
    /// <exception cref="LfwFileFormatException">A listed person is missing or has a different image count (names the list line).</exception>
    public static FaceDataset FromIdentityFolders(string root, PeopleList? people = null)
    {
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException(File.Exists(root)
                ? $"{root} is a file; a dataset is a folder of identity subfolders (one per person, holding that person's images)."
                : $"Dataset folder not found: {root}");
        IEnumerable<string> names = people == null
            ? Directory.EnumerateDirectories(root).Select(dir => Path.GetFileName(dir)!)
            : people.People.Select(p => p.Name);
        var entries = people?.People.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var items = new List<(string, string)>();
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            var folder = Path.Combine(root, name);
            var files = Directory.Exists(folder)
                ? Directory.EnumerateFiles(folder).Where(f => ImageExtensions.Contains(Path.GetExtension(f))).Order(NaturalOrder.Instance).ToList()
                : [];
            if (people != null)
            {
                var entry = entries![name];
                if (files.Count == 0)
                    throw new LfwFileFormatException(people.SourceFile, entry.LineNumber, $"person '{name}' has no image folder under {root}");
                if (files.Count != entry.ImageCount)
                    throw new LfwFileFormatException(people.SourceFile, entry.LineNumber, $"person '{name}' is listed with {entry.ImageCount} images but {folder} holds {files.Count}");
            }
            items.AddRange(files.Select(f => (f, name)));
        }
        if (items.Count == 0) throw new InvalidDataException($"No identity folder with images (.jpg .jpeg .png .pgm) under {root}.");
        return new FaceDataset(root, items);
    }

    /// <summary>People, images and people with at least two images.</summary>
    public DatasetStatistics Statistics()
    {
        var perIdentity = Samples.CountBy(s => s.Identity).ToList();
        return new DatasetStatistics(perIdentity.Count, Samples.Count, perIdentity.Count(p => p.Value >= 2));
    }

    /// <summary>Keeps only identities with at least <paramref name="minimum"/> images (relabelled).</summary>
    /// <param name="minimum">At least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minimum"/> is below 1.</exception>
    public FaceDataset WithMinImagesPerIdentity(int minimum)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimum, 1);
        var keep = Samples.CountBy(s => s.Identity).Where(p => p.Value >= minimum).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        return Subset(keep);
    }

    /// <summary>Drops the given identities (relabelled), e.g. every person in the LFW evaluation pairs.</summary>
    /// <param name="excluded">Identities to remove; names not in the dataset are ignored.</param>
    public FaceDataset WithoutIdentities(IEnumerable<string> excluded)
    {
        var drop = excluded.ToHashSet(StringComparer.Ordinal);
        return Subset(Identities.Where(i => !drop.Contains(i)).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>
    /// Splits by identity: a seeded Fisher-Yates shuffle of the sorted identities puts
    /// round(<paramref name="validationFraction"/> x people) of them in validation, the rest in training; no person
    /// is in both. The same seed gives the same split. Both parts are relabelled from 0.
    /// </summary>
    /// <param name="validationFraction">Fraction of identities for validation, in [0, 1].</param>
    /// <param name="seed">Shuffle seed.</param>
    /// <returns>The training and validation datasets (either may be empty at fractions 0 or 1).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is outside [0, 1].</exception>
    public (FaceDataset Train, FaceDataset Validation) SplitByIdentity(double validationFraction, int seed)
    {
        if (!(validationFraction >= 0 && validationFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "Must be in [0, 1].");
        var shuffled = Identities.ToArray();
        var random = new Random(seed);
        for (var i = shuffled.Length - 1; i > 0; i--)
        {
            var k = random.Next(i + 1);
            (shuffled[i], shuffled[k]) = (shuffled[k], shuffled[i]);
        }
        var validationCount = (int)Math.Round(validationFraction * shuffled.Length, MidpointRounding.AwayFromZero);
        var validation = shuffled.Take(validationCount).ToHashSet(StringComparer.Ordinal);
        var train = shuffled.Skip(validationCount).ToHashSet(StringComparer.Ordinal);
        return (Subset(train), Subset(validation));
    }

    private FaceDataset Subset(HashSet<string> identities) =>
        new(Root, Samples.Where(s => identities.Contains(s.Identity)).Select(s => (s.Path, s.Identity)));
}
