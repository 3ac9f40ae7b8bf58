namespace SrFace.Evaluation;

/// <summary>
/// Everything reported for one verification run (one pipeline at one probe resolution): k-fold accuracy, ROC
/// summaries and TAR@FAR. Made by <see cref="VerificationReport.Evaluate"/>.
/// </summary>
/// <param name="PairCount">Number of scored pairs.</param>
/// <param name="GenuineCount">Number of matched (same person) pairs.</param>
/// <param name="ImpostorCount">Number of mismatched pairs.</param>
/// <param name="AccuracyMean">Mean k-fold accuracy in [0, 1] (<see cref="KFoldResult.Mean"/>): each fold's threshold
/// chosen on the other folds. Null when the pairs have only one fold (there is then no held-out estimate; see
/// <see cref="TestTunedAccuracy"/>).</param>
/// <param name="AccuracyStd">Population standard deviation of the fold accuracies (0 with a single fold).</param>
/// <param name="Folds">Per-fold thresholds and accuracies (empty with a single fold).</param>
/// <param name="TestTunedThreshold">Best-accuracy threshold chosen on these same pairs ("same" iff score &gt;= it). Tuned
/// on the pairs it is measured on: the threshold to deploy after a k-fold estimate, never a test result.</param>
/// <param name="TestTunedAccuracy">Accuracy at <see cref="TestTunedThreshold"/> on these same pairs: an optimistic
/// figure (the threshold saw the answers); quote <see cref="AccuracyMean"/> or a threshold chosen on other pairs.</param>
/// <param name="Auc">Area under the ROC curve, in [0, 1].</param>
/// <param name="Eer">Equal error rate, in [0, 1].</param>
/// <param name="EerThreshold">Score threshold at the EER (interpolated).</param>
/// <param name="TarAtFar">TAR at each requested FAR, keyed by the target FAR.</param>
public sealed record VerificationReport(
    int PairCount,
    int GenuineCount,
    int ImpostorCount,
    double? AccuracyMean,
    double AccuracyStd,
    IReadOnlyList<FoldResult> Folds,
    double TestTunedThreshold,
    double TestTunedAccuracy,
    double Auc,
    double Eer,
    double EerThreshold,
    IReadOnlyDictionary<double, TarAtFarResult> TarAtFar)
{
    /// <summary>The FARs reported by default: 1e-3 and 1e-2.</summary>
    public static IReadOnlyList<double> DefaultFars { get; } = [1e-3, 1e-2];

    /// <summary>Evaluates scored pairs: k-fold accuracy (when the pairs carry two or more folds), AUC, EER and TAR@FAR.</summary>
    /// <param name="pairs">Scored pairs with both genuine and impostor pairs.</param>
    /// <param name="targetFars">FARs for TAR@FAR; <see cref="DefaultFars"/> when null.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException">When the pairs are empty, miss a class or hold a non-finite score.</exception>
    public static VerificationReport Evaluate(IReadOnlyList<ScoredPair> pairs, IReadOnlyList<double>? targetFars = null)
    {
        var curve = RocAnalysis.Curve(pairs);
        var impostors = pairs.Count(p => !p.IsSame);
        var overall = VerificationThreshold.BestThreshold(pairs);
        var multiFold = pairs.Select(p => p.Fold).Distinct().Skip(1).Any();
        var kfold = multiFold ? KFoldVerification.Evaluate(pairs) : null;
        var eer = RocAnalysis.Eer(curve);
        var tar = (targetFars ?? DefaultFars).Distinct().ToDictionary(f => f, f => RocAnalysis.TarAtFar(curve, impostors, f));
        return new VerificationReport(
            pairs.Count, pairs.Count - impostors, impostors,
            kfold?.Mean, kfold?.Std ?? 0, kfold?.Folds ?? [],
            overall.Threshold, overall.Accuracy, RocAnalysis.Auc(curve), eer.Rate, eer.Threshold, tar);
    }
}
