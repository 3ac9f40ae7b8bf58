using System.Globalization;
using SrFace.Recognition;

namespace SrFace.Evaluation;

/// <summary>
/// One LFW split of the open-set identification protocol: a gallery of <c>G</c> people, one enrolled image each; mated
/// searches (their second image); non-mated searches by people of the same split who are in no gallery (LFW people with
/// a single image). The people are drawn with a fixed seed from an LFW people list (<c>peopleDevTrain.txt</c>,
/// <c>peopleDevTest.txt</c>), so two splits of disjoint lists share nobody.
/// </summary>
/// <param name="Name">The people list's file name.</param>
/// <param name="GalleryIdentities">The enrolled people.</param>
/// <param name="GalleryImages">Their enrolled image (the first), in the same order.</param>
/// <param name="MatedImages">Their search image (the second), in the same order.</param>
/// <param name="NonMatedImages">One image of each non-enrolled person.</param>
public sealed record OpenSetSplit(string Name, IReadOnlyList<string> GalleryIdentities, IReadOnlyList<string> GalleryImages,
    IReadOnlyList<string> MatedImages, IReadOnlyList<string> NonMatedImages);

/// <summary>The best gallery score of every search of a split and whether the mated ones rank their mate first.</summary>
/// <param name="MatedBest">Rank-1 cosine of each mated search (-infinity when no face was found in it).</param>
/// <param name="MatedHit">True when a mated search's rank-1 candidate is its mate.</param>
/// <param name="NonMatedBest">Rank-1 cosine of each non-mated search (-infinity when no face was found in it).</param>
/// <param name="NoFace">Images in which the detector found no face (failures to acquire, ISO/IEC 19795-1): a search
/// without a face returns no candidate (a miss when mated, no false positive when not), an enrolment without one leaves
/// its person out of the gallery (so that person's search is a miss).</param>
public sealed record OpenSetScores(double[] MatedBest, bool[] MatedHit, double[] NonMatedBest, IReadOnlyList<string> NoFace)
{
    /// <summary>
    /// FPIR at <paramref name="threshold"/> (ISO/IEC 19795-1, NIST FRVT 1:N): the share of non-mated searches that
    /// return a candidate, i.e. whose best score is &gt;= the threshold.
    /// </summary>
    /// <param name="threshold">Cosine threshold.</param>
    /// <returns>FPIR in [0, 1].</returns>
    public double Fpir(double threshold) => NonMatedBest.Count(s => s >= threshold) / (double)NonMatedBest.Length;

    /// <summary>
    /// Rank-1 FNIR at <paramref name="threshold"/>: the share of mated searches whose mate is not returned at rank 1
    /// with a score &gt;= the threshold (1 - FNIR is the rank-1 detection and identification rate).
    /// </summary>
    /// <param name="threshold">Cosine threshold.</param>
    /// <returns>FNIR in [0, 1].</returns>
    public double Fnir(double threshold) => MatedBest.Where((s, i) => !(MatedHit[i] && s >= threshold)).Count() / (double)MatedBest.Length;
}

/// <summary>
/// Open-set identification (1:N) on LFW: selects the splits (<see cref="OpenSetSplit"/>), scores them with any runtime
/// (<see cref="IFaceEmbedder"/>) and calibrates the threshold at a target false-positive identification rate on one
/// split, to be measured on a disjoint one (View 1 DevTrain people, then DevTest people). Identification-style
/// calibration rather than a pairwise FAR: a stranger is falsely identified when any of the N templates scores above
/// the threshold, so the threshold is chosen on the best score over a gallery (NIST FRVT 1:N reports FNIR at a fixed FPIR).
/// </summary>
public static class OpenSetIdentification
{
    /// <summary>People enrolled in each split's gallery (G), one image each.</summary>
    public const int GallerySize = 200;

    /// <summary>Non-mated searches of each split (M): people with one LFW image, in no gallery.</summary>
    public const int Strangers = 500;

    /// <summary>The FPIR the open-set threshold is calibrated at: 1 % of strangers claimed (5 of 500).</summary>
    public const double TargetFpir = 0.01;

    /// <summary>
    /// The open-set threshold of a model: a split of <paramref name="peopleFile"/> (G = <see cref="GallerySize"/>,
    /// M = <see cref="Strangers"/>, seed 0) scored with <paramref name="embedder"/>, the threshold at
    /// <see cref="TargetFpir"/> on its non-mated searches.
    /// </summary>
    /// <param name="embedder">Either runtime's embedder.</param>
    /// <param name="imagesFolder">The LFW images.</param>
    /// <param name="peopleFile">The calibration people (LFW View 1 <c>peopleDevTrain.txt</c>).</param>
    /// <param name="progress">Called with images embedded so far and the total; null for none.</param>
    /// <returns>The threshold and the split's scores.</returns>
    /// <exception cref="FileNotFoundException">When the people list does not exist.</exception>
    /// <exception cref="InvalidDataException">When it is malformed or too small.</exception>
    /// <exception cref="IOException">When an image cannot be read.</exception>
    public static (double Threshold, OpenSetScores Scores) Calibrate(IFaceEmbedder embedder, string imagesFolder, string peopleFile, Action<int, int>? progress = null)
    {
        var scores = Score(embedder, Select(imagesFolder, peopleFile, GallerySize, Strangers), progress);
        return (ThresholdAtFpir(scores.NonMatedBest, TargetFpir), scores);
    }

    /// <summary>Selects a split from an LFW people list.</summary>
    /// <param name="imagesFolder">The LFW images (<c>NAME/NAME_000i.jpg</c>).</param>
    /// <param name="peopleFile">An LFW people list: a count line, then <c>NAME\tIMAGES</c> lines.</param>
    /// <param name="gallerySize">Enrolled people G, drawn among those with at least two images.</param>
    /// <param name="strangers">Non-mated searches M, drawn among people with one image.</param>
    /// <param name="seed">The draw's seed.</param>
    /// <returns>The split.</returns>
    /// <exception cref="FileNotFoundException">When the people list does not exist.</exception>
    /// <exception cref="InvalidDataException">When a line is malformed or the list has too few people for G or M.</exception>
    public static OpenSetSplit Select(string imagesFolder, string peopleFile, int gallerySize, int strangers, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(gallerySize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(strangers, 1);
        if (!File.Exists(peopleFile)) throw new FileNotFoundException($"LFW people list not found: {peopleFile}", peopleFile);
        var people = File.ReadLines(peopleFile).Skip(1).Where(l => l.Trim().Length > 0).Select((line, i) =>
        {
            var parts = line.Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? (Name: parts[0], Images: n)
                : throw new InvalidDataException($"{peopleFile}: line {i + 2} is not 'NAME IMAGES': '{line}'.");
        }).ToArray();
        var random = new Random(seed);
        var enrolled = Draw(people.Where(p => p.Images >= 2).Select(p => p.Name).ToArray(), gallerySize, random, peopleFile, "with two or more images");
        var others = Draw(people.Where(p => p.Images == 1).Select(p => p.Name).ToArray(), strangers, random, peopleFile, "with one image");
        string Image(string name, int n) => Path.Combine(imagesFolder, name, $"{name}_{n:0000}.jpg");
        return new OpenSetSplit(Path.GetFileName(peopleFile), enrolled, enrolled.Select(p => Image(p, 1)).ToArray(),
            enrolled.Select(p => Image(p, 2)).ToArray(), others.Select(p => Image(p, 1)).ToArray());
    }

    private static string[] Draw(string[] names, int count, Random random, string source, string what)
    {
        if (names.Length < count) throw new InvalidDataException($"{source}: {names.Length} people {what}; {count} are needed.");
        var shuffled = names.Order(StringComparer.Ordinal).ToArray();
        random.Shuffle(shuffled);
        return shuffled[..count];
    }

    /// <summary>Embeds a split's images (gallery, mated, non-mated) and ranks every search against the gallery.</summary>
    /// <param name="embedder">Either runtime's embedder.</param>
    /// <param name="split">The split.</param>
    /// <param name="progress">Called with images embedded so far and the total; null for none.</param>
    /// <returns>The rank-1 scores and hits.</returns>
    /// <exception cref="IOException">When an image cannot be read.</exception>
    public static OpenSetScores Score(IFaceEmbedder embedder, OpenSetSplit split, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(split);
        var all = split.GalleryImages.Concat(split.MatedImages).Concat(split.NonMatedImages).ToArray();
        var noFace = new List<string>();
        // One image at a time, so that an image without a face is a failure to acquire, not the end of the run.
        var embeddings = all.Select((path, i) =>
        {
            try
            {
                return embedder.EmbedFaces([path])[0].Embedding;
            }
            catch (Data.FaceNotFoundException)
            {
                noFace.Add(path);
                return null;
            }
            finally
            {
                progress?.Invoke(i + 1, all.Length);
            }
        }).ToArray();
        var g = split.GalleryImages.Count;
        var gallery = embeddings[..g];
        (int Index, double Score) Best(float[]? probe) => probe is null ? (-1, double.NegativeInfinity)
            : gallery.Select((t, i) => (i, t is null ? double.NegativeInfinity : EmbeddingMath.Cosine(probe, t))).MaxBy(c => c.Item2);
        var mated = embeddings[g..(2 * g)].Select(Best).ToArray();
        var nonMated = embeddings[(2 * g)..].Select(p => Best(p).Score).ToArray();
        return new OpenSetScores(mated.Select(m => m.Score).ToArray(), mated.Select((m, i) => m.Index == i && gallery[i] is not null).ToArray(), nonMated, noFace);
    }

    /// <summary>
    /// The lowest threshold whose FPIR on <paramref name="nonMatedBest"/> is at most <paramref name="targetFpir"/>:
    /// with the best scores sorted in descending order and k = floor(target x M) non-mated searches allowed through,
    /// the midpoint between the k-th and (k+1)-th score (as <see cref="VerificationThreshold"/> places thresholds
    /// between scores; just above the best score when k = 0), so at most k searches score at or above it.
    /// </summary>
    /// <param name="nonMatedBest">Rank-1 scores of the non-mated searches (at least one).</param>
    /// <param name="targetFpir">Target FPIR in [0, 1).</param>
    /// <returns>The cosine threshold.</returns>
    /// <exception cref="ArgumentException">When there is no score or the target is out of range.</exception>
    public static double ThresholdAtFpir(IReadOnlyList<double> nonMatedBest, double targetFpir)
    {
        ArgumentNullException.ThrowIfNull(nonMatedBest);
        if (nonMatedBest.Count == 0) throw new ArgumentException("No non-mated search to calibrate on.", nameof(nonMatedBest));
        if (!(targetFpir >= 0 && targetFpir < 1)) throw new ArgumentOutOfRangeException(nameof(targetFpir), targetFpir, "A target FPIR lies in [0, 1).");
        var sorted = nonMatedBest.OrderDescending().ToArray();
        var k = (int)Math.Floor(targetFpir * sorted.Length);
        // Ties at the cut: move up until the k-th score differs from the (k+1)-th, so ties never let more through.
        while (k > 0 && sorted[k - 1] == sorted[k]) k--;
        return k == 0 ? Math.BitIncrement(sorted[0]) : (sorted[k - 1] + sorted[k]) / 2;
    }
}
