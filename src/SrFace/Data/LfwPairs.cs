namespace SrFace.Data;

/// <summary>
/// The LFW verification protocol's pair lists (Huang et al., LFW technical report 07-49, README section 3c):
/// View 2 <c>pairs.txt</c> (header <c>10 300</c>: 10 folds, each 300 matched lines then 300 mismatched lines)
/// and View 1 <c>pairsDevTrain.txt</c>/<c>pairsDevTest.txt</c> (header N: N matched then N mismatched lines).
/// A matched line is <c>name i j</c>, a mismatched line <c>name1 i name2 j</c> (tabs or spaces); image i of a
/// person is <c>NAME/NAME_%04d.jpg</c>. Folds are contiguous in file order, as the protocol defines them.
/// </summary>
/// <remarks>
/// The same parser reads any folder-per-identity image set in this format (<c>srface evaluate --pairs --images</c>).
/// For files not named <c>NAME_NNNN.jpg</c>, a pair line may instead give two image paths relative to the images
/// folder, <c>IDENTITY/file.png IDENTITY/other.jpg</c> (no spaces in them): the identity is the first folder of each path,
/// equal on a matched line and different on a mismatched one. Both kinds of line may be mixed.
/// </remarks>
public sealed class LfwPairs
{
    private LfwPairs(string sourceFile, IReadOnlyList<FacePair> pairs, int foldCount, int matchedPerFold)
    {
        SourceFile = sourceFile;
        Pairs = pairs;
        FoldCount = foldCount;
        MatchedPerFold = matchedPerFold;
        Identities = pairs.SelectMany(p => new[] { p.IdentityA, p.IdentityB }).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The pairs file read.</summary>
    public string SourceFile { get; }

    /// <summary>All pairs in file order (fold by fold; matched then mismatched within a fold).</summary>
    public IReadOnlyList<FacePair> Pairs { get; }

    /// <summary>Number of folds: 10 for View 2, 1 for View 1.</summary>
    public int FoldCount { get; }

    /// <summary>Matched pairs per fold (equal to mismatched pairs per fold).</summary>
    public int MatchedPerFold { get; }

    /// <summary>Every person appearing in any pair (to keep them out of training).</summary>
    public IReadOnlySet<string> Identities { get; }

    /// <summary>
    /// A balanced, evenly spread subset for runs with a time budget: up to <paramref name="maxPairs"/> / 2 matched and
    /// as many mismatched pairs, taken at regular steps through the file (deterministic, no randomness), in file order.
    /// </summary>
    /// <param name="maxPairs">Pairs to keep, at least 2; the whole list when it has no more.</param>
    /// <returns>This list when it is small enough, else a new list with the same source file and fold count.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="maxPairs"/> is below 2.</exception>
    public LfwPairs Subset(int maxPairs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPairs, 2);
        if (Pairs.Count <= maxPairs) return this;
        static IEnumerable<FacePair> Spread(IReadOnlyList<FacePair> list, int count) =>
            Enumerable.Range(0, Math.Min(count, list.Count)).Select(i => list[(int)((long)i * list.Count / Math.Min(count, list.Count))]);
        var matched = Pairs.Where(p => p.IsSame).ToList();
        var mismatched = Pairs.Where(p => !p.IsSame).ToList();
        var kept = Spread(matched, maxPairs / 2).Concat(Spread(mismatched, maxPairs - maxPairs / 2)).OrderBy(p => p.LineNumber).ToList();
        return new LfwPairs(SourceFile, kept, FoldCount, MatchedPerFold);
    }

    /// <summary>The image path of image <paramref name="index"/> (1-based) of <paramref name="name"/>.</summary>
    public static string ImagePath(string imagesRoot, string name, int index) =>
        Path.Combine(imagesRoot, name, $"{name}_{index:D4}.jpg");

    /// <summary>Reads and validates a pairs file.</summary>
    /// <param name="pairsFile">A View 1 or View 2 pairs file.</param>
    /// <param name="imagesRoot">The <c>lfw-deepfunneled</c> folder (one folder per person).</param>
    /// <param name="checkImagesExist">Whether every image named must exist (a missing one is an error naming the line).</param>
    /// <returns>The pairs.</returns>
    /// <exception cref="FileNotFoundException">The pairs file does not exist.</exception>
    /// <exception cref="LfwFileFormatException">Bad header, malformed line, wrong line count or kind, non-numeric or
    /// zero index, a "mismatched" pair of one person, or a missing image; the message names file and line.</exception>
    public static LfwPairs Read(string pairsFile, string imagesRoot, bool checkImagesExist = true)
    {
        var lines = new ProtocolLines(pairsFile);
        var header = lines.Next("the header");
        if (header.Length is not (1 or 2))
            throw lines.Error($"header must be 'N' (View 1) or 'folds N' (View 2), found {header.Length} fields");
        var folds = header.Length == 2 ? lines.Integer(header[0], "fold count", 1, minimum: 1) : 1;
        var perFold = lines.Integer(header[^1], "pairs per fold", 1, minimum: 1);

        var pairs = new List<FacePair>(folds * perFold * 2);
        for (var fold = 0; fold < folds; fold++)
            foreach (var same in new[] { true, false })
                for (var i = 0; i < perFold; i++)
                {
                    var kind = same ? "matched 'name i j'" : "mismatched 'name1 i name2 j'";
                    var tokens = lines.Next($"{kind} pair {i + 1} of {perFold} in fold {fold + 1}");
                    var line = lines.NextLineNumber - 1;
                    // Two fields are two image paths only when they look like paths: 'name 13' is a short LFW line.
                    var twoPaths = tokens.Length == 2 && tokens.Any(t => t.Contains('/') || t.Contains('\\'));
                    if (tokens.Length != (same ? 3 : 4) && !twoPaths)
                        throw lines.Error($"expected a {kind} line ({(same ? 3 : 4)} fields) or two image paths 'IDENTITY/FILE IDENTITY/FILE', found {tokens.Length} fields");
                    var ((pathA, nameA), (pathB, nameB)) = twoPaths
                        ? (RelativeImage(lines, imagesRoot, tokens[0]), RelativeImage(lines, imagesRoot, tokens[1]))
                        : (NumberedImage(lines, imagesRoot, tokens[0], tokens[1], line), NumberedImage(lines, imagesRoot, tokens[same ? 0 : 2], tokens[same ? 2 : 3], line));
                    if (same && nameA != nameB) throw lines.Error($"matched pair names two identities ('{nameA}', '{nameB}')");
                    if (!same && nameA == nameB) throw lines.Error($"mismatched pair names one person twice ('{nameA}')");
                    var pair = new FacePair(pathA, nameA, pathB, nameB, same, fold, line);
                    if (checkImagesExist)
                        foreach (var path in new[] { pair.PathA, pair.PathB })
                            if (!File.Exists(path)) throw lines.Error($"image not found: {path}");
                    pairs.Add(pair);
                }
        lines.ExpectEnd($"{folds} fold(s) of {perFold} matched and {perFold} mismatched pairs");
        return new LfwPairs(pairsFile, pairs, folds, perFold);
    }

    /// <summary>Image <c>index</c> of person <c>name</c> on an LFW line: <c>NAME/NAME_%04d.jpg</c>.</summary>
    private static (string Path, string Identity) NumberedImage(ProtocolLines lines, string imagesRoot, string name, string index, int line) =>
        (ImagePath(imagesRoot, name, lines.Integer(index, "image index", line, minimum: 1)), name);

    /// <summary>An image path relative to the images folder, <c>IDENTITY/.../FILE</c>; its identity is the first folder.</summary>
    private static (string Path, string Identity) RelativeImage(ProtocolLines lines, string imagesRoot, string relative)
    {
        var parts = relative.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
        if (Path.IsPathRooted(relative) || parts.Length < 2 || parts.Contains(".."))
            throw lines.Error($"image path '{relative}' is not IDENTITY/FILE relative to the images folder");
        return (Path.Combine([imagesRoot, .. parts]), parts[0]);
    }

    /// <summary>Every pair line that names an image that does not exist, in file order (empty when all are present).</summary>
    /// <returns>(1-based line number in <see cref="SourceFile"/>, the missing image path) for each missing image of each line.</returns>
    public IReadOnlyList<(int Line, string Path)> MissingImageLines()
    {
        var exists = new Dictionary<string, bool>(StringComparer.Ordinal);
        bool Exists(string path) => exists.TryGetValue(path, out var e) ? e : exists[path] = File.Exists(path);
        return Pairs.SelectMany(p => new[] { p.PathA, p.PathB }.Distinct(StringComparer.Ordinal).Where(path => !Exists(path)).Select(path => (p.LineNumber, path))).ToList();
    }

    /// <summary>Image paths named by the pairs that do not exist (empty when all are present).</summary>
    public IReadOnlyList<string> MissingImages() =>
        Pairs.SelectMany(p => new[] { p.PathA, p.PathB }).Distinct(StringComparer.Ordinal).Where(p => !File.Exists(p)).ToList();
}
