namespace SrFace.Evaluation;

/// <summary>Per-fold outcome of k-fold verification.</summary>
/// <param name="Fold">The held-out fold index (as in <see cref="ScoredPair.Fold"/>).</param>
/// <param name="Threshold">Threshold chosen on the other folds (see <see cref="VerificationThreshold.BestThreshold"/>).</param>
/// <param name="Accuracy">Accuracy of that threshold on the held-out fold, in [0, 1].</param>
/// <param name="PairCount">Number of pairs in the held-out fold.</param>
public readonly record struct FoldResult(int Fold, double Threshold, double Accuracy, int PairCount);

/// <summary>Result of k-fold verification accuracy.</summary>
/// <param name="Folds">One entry per fold, in ascending fold index.</param>
/// <param name="Mean">Mean of the per-fold accuracies (each fold weighs the same, as in LFW reporting).</param>
/// <param name="Std">Population standard deviation (divisor k, numpy's default <c>ddof=0</c>, as insightface and
/// facenet report) of the per-fold accuracies.</param>
/// <param name="SampleStd">Sample standard deviation (divisor k - 1) of the per-fold accuracies, for readers who
/// want the unbiased estimate.</param>
public sealed record KFoldResult(IReadOnlyList<FoldResult> Folds, double Mean, double Std, double SampleStd);

/// <summary>
/// K-fold verification accuracy as in the LFW "View 2" protocol (insightface <c>eval/verification.py</c>, facenet):
/// for each fold the threshold is chosen on the pairs of all other folds and applied to the held-out fold.
/// </summary>
/// <remarks>
/// Folds are taken from <see cref="ScoredPair.Fold"/>, i.e. as the pairs file orders them (LFW: 10 contiguous blocks
/// of 600 pairs); nothing is shuffled. insightface splits with scikit-learn's <c>KFold(shuffle=False)</c>, which
/// gives the same contiguous blocks on the standard file.
/// </remarks>
public static class KFoldVerification
{
    /// <summary>Runs leave-one-fold-out threshold selection and reports per-fold accuracy, mean and standard deviations.</summary>
    /// <param name="pairs">Scored pairs with fold indices; at least two distinct folds.</param>
    /// <returns>Per-fold thresholds and accuracies with their mean and standard deviations.</returns>
    /// <exception cref="ArgumentException">When there are no pairs, fewer than two folds, or a non-finite score.</exception>
    public static KFoldResult Evaluate(IReadOnlyList<ScoredPair> pairs)
    {
        PairChecks.Validate(pairs, nameof(pairs));
        var folds = pairs.Select(p => p.Fold).Distinct().Order().ToArray();
        if (folds.Length < 2)
            throw new ArgumentException($"K-fold verification needs at least two folds; all {pairs.Count} pairs are in fold {folds[0]}.", nameof(pairs));

        var results = new List<FoldResult>(folds.Length);
        foreach (var fold in folds)
        {
            var train = pairs.Where(p => p.Fold != fold).ToArray();
            var test = pairs.Where(p => p.Fold == fold).ToArray();
            var chosen = VerificationThreshold.TrainTest(train, test);
            results.Add(new FoldResult(fold, chosen.Threshold, chosen.Accuracy, test.Length));
        }

        var accuracies = results.Select(r => r.Accuracy).ToArray();
        var mean = accuracies.Average();
        var sumSq = accuracies.Sum(a => (a - mean) * (a - mean));
        return new KFoldResult(results, mean, Math.Sqrt(sumSq / accuracies.Length), Math.Sqrt(sumSq / (accuracies.Length - 1)));
    }

    /// <summary>
    /// Assigns LFW-style fold indices to pairs listed in file order: <paramref name="foldCount"/> contiguous blocks of
    /// equal size (the last blocks one smaller when the count does not divide evenly, as scikit-learn's KFold).
    /// </summary>
    /// <param name="pairCount">Number of pairs in file order.</param>
    /// <param name="foldCount">Number of folds (LFW: 10).</param>
    /// <returns>The fold index of each pair, in file order.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="foldCount"/> &lt; 2 or exceeds <paramref name="pairCount"/>.</exception>
    public static int[] ContiguousFolds(int pairCount, int foldCount = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(foldCount, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(foldCount, pairCount);
        var folds = new int[pairCount];
        int baseSize = pairCount / foldCount, extra = pairCount % foldCount, start = 0;
        for (var f = 0; f < foldCount; f++)
        {
            var size = baseSize + (f < extra ? 1 : 0);
            Array.Fill(folds, f, start, size);
            start += size;
        }
        return folds;
    }
}
