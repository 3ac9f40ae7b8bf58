namespace SrFace.Evaluation;

/// <summary>One operating point of a ROC curve.</summary>
/// <param name="Threshold">Pairs with <c>score &gt;= Threshold</c> are accepted as "same" (<c>+inf</c> at the origin).</param>
/// <param name="Far">False accept rate = false positive rate: accepted impostor pairs / impostor pairs, in [0, 1].</param>
/// <param name="Tar">True accept rate = true positive rate: accepted genuine pairs / genuine pairs, in [0, 1].</param>
public readonly record struct RocPoint(double Threshold, double Far, double Tar);

/// <summary>True accept rate at a target false accept rate.</summary>
/// <param name="TargetFar">The requested FAR (e.g. 1e-3).</param>
/// <param name="Tar">TAR at the chosen threshold, in [0, 1].</param>
/// <param name="AchievedFar">The FAR actually reached at that threshold (&lt;= <paramref name="TargetFar"/>).</param>
/// <param name="Threshold">The smallest score threshold whose FAR is &lt;= the target; <c>+inf</c> (reject all,
/// TAR 0) when already the highest score accepts too many impostors.</param>
/// <param name="Resolvable">False when the target is below <c>1 / impostor pairs</c>: the only reachable FAR under
/// it is 0, so the value says "TAR at FAR 0", not at the target. Report it flagged (e.g. LFW's 3000 impostor
/// pairs per full set resolve 1e-3 but one fold's 300 do not).</param>
public readonly record struct TarAtFarResult(double TargetFar, double Tar, double AchievedFar, double Threshold, bool Resolvable);

/// <summary>Equal error rate: the operating point where FAR = FRR (= 1 - TAR), linearly interpolated on the ROC curve.</summary>
/// <param name="Rate">The EER, in [0, 1].</param>
/// <param name="Threshold">The score threshold at the EER, interpolated between the two ROC points that bracket it.</param>
public readonly record struct EqualErrorRate(double Rate, double Threshold);

/// <summary>
/// ROC curve, AUC, EER and TAR@FAR for verification scores (higher = more similar, "same" iff <c>score &gt;= t</c>).
/// Pure functions, no torch; conventions in <c>docs/conventions.md</c>.
/// </summary>
public static class RocAnalysis
{
    /// <summary>
    /// ROC curve: one point per distinct score (thresholds descending), starting at (FAR 0, TAR 0) for
    /// <c>+inf</c> and ending at (1, 1). Tied scores form one step, so a tie between a genuine and an impostor pair
    /// gives a diagonal segment.
    /// </summary>
    /// <param name="pairs">Scored pairs with at least one genuine and one impostor pair; folds are ignored.</param>
    /// <returns>The ROC points, FAR and TAR non-decreasing.</returns>
    /// <exception cref="ArgumentException">When a class is missing or a score is non-finite.</exception>
    public static IReadOnlyList<RocPoint> Curve(IReadOnlyList<ScoredPair> pairs)
    {
        PairChecks.Validate(pairs, nameof(pairs));
        var positives = pairs.Count(p => p.IsSame);
        var negatives = pairs.Count - positives;
        if (positives == 0 || negatives == 0)
            throw new ArgumentException($"A ROC curve needs both genuine and impostor pairs; got {positives} genuine and {negatives} impostor.", nameof(pairs));

        var sorted = pairs.OrderByDescending(p => p.Score).ToArray();
        var points = new List<RocPoint> { new(double.PositiveInfinity, 0, 0) };
        int tp = 0, fp = 0;
        for (var i = 0; i < sorted.Length;)
        {
            var score = sorted[i].Score;
            for (; i < sorted.Length && sorted[i].Score == score; i++)
                if (sorted[i].IsSame) tp++; else fp++;
            points.Add(new RocPoint(score, (double)fp / negatives, (double)tp / positives));
        }
        return points;
    }

    /// <summary>Area under the ROC curve by the trapezoid rule; equals the Mann-Whitney U statistic / (P * N) with ties counted 0.5.</summary>
    /// <param name="curve">A curve from <see cref="Curve"/>.</param>
    /// <returns>AUC in [0, 1]; 1 for perfectly separated scores, 0.5 for chance.</returns>
    public static double Auc(IReadOnlyList<RocPoint> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var area = 0.0;
        for (var i = 1; i < curve.Count; i++)
            area += (curve[i].Far - curve[i - 1].Far) * (curve[i].Tar + curve[i - 1].Tar) / 2;
        return area;
    }

    /// <summary>
    /// Equal error rate. Along the curve FAR rises and FRR = 1 - TAR falls; the first point with FAR &gt;= FRR and
    /// its predecessor bracket the crossing, and the rate and threshold are interpolated linearly between them.
    /// </summary>
    /// <param name="curve">A curve from <see cref="Curve"/>.</param>
    /// <returns>The EER (0 for perfectly separated scores) and its interpolated threshold.</returns>
    /// <exception cref="ArgumentException">When the curve has fewer than two points.</exception>
    public static EqualErrorRate Eer(IReadOnlyList<RocPoint> curve)
    {
        ArgumentNullException.ThrowIfNull(curve);
        if (curve.Count < 2) throw new ArgumentException("A ROC curve needs at least two points.", nameof(curve));
        for (var i = 1; i < curve.Count; i++)
        {
            var d = curve[i].Far - (1 - curve[i].Tar);
            if (d < 0) continue;
            var a = curve[i - 1];
            var dPrev = a.Far - (1 - a.Tar);
            // Fraction of the way from point i-1 to point i where FAR - FRR crosses zero.
            var lambda = -dPrev / (d - dPrev); // dPrev < 0 <= d, so the divisor is positive
            var rate = a.Far + lambda * (curve[i].Far - a.Far);
            var threshold = double.IsInfinity(a.Threshold) ? curve[i].Threshold : a.Threshold + lambda * (curve[i].Threshold - a.Threshold);
            if (d == 0) (rate, threshold) = (curve[i].Far, curve[i].Threshold);
            return new EqualErrorRate(rate, threshold);
        }
        // The last point is (1, 1) where FAR - FRR = 1 >= 0, so the loop always returns for a curve from Curve().
        throw new ArgumentException("The curve never reaches FAR >= FRR; it does not end at (1, 1).", nameof(curve));
    }

    /// <summary>
    /// TAR at a target FAR. The threshold is the smallest score <c>t</c> with FAR(t) &lt;= target, where FAR(t)
    /// counts impostor pairs with <c>score &gt;= t</c>; i.e. at most <c>floor(target * impostors)</c> impostor pairs
    /// are accepted (the product is taken with a 1e-9 allowance so 1e-3 * 1000 counts as 1).
    /// </summary>
    /// <param name="curve">A curve from <see cref="Curve"/>.</param>
    /// <param name="negatives">Number of impostor pairs the curve was built from (decides <see cref="TarAtFarResult.Resolvable"/>).</param>
    /// <param name="targetFar">Target FAR in (0, 1].</param>
    /// <returns>TAR, achieved FAR and threshold; flagged unresolvable when <c>targetFar * negatives &lt; 1</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="targetFar"/> is not in (0, 1] or <paramref name="negatives"/> &lt; 1.</exception>
    public static TarAtFarResult TarAtFar(IReadOnlyList<RocPoint> curve, int negatives, double targetFar)
    {
        ArgumentNullException.ThrowIfNull(curve);
        if (!(targetFar > 0 && targetFar <= 1)) throw new ArgumentOutOfRangeException(nameof(targetFar), targetFar, "The target FAR must be in (0, 1].");
        ArgumentOutOfRangeException.ThrowIfLessThan(negatives, 1);
        var allowed = Math.Floor(targetFar * negatives + 1e-9);
        var best = curve[0];
        // FAR only grows along the curve: keep the last point that accepts at most `allowed` impostors.
        foreach (var point in curve)
        {
            if (Math.Round(point.Far * negatives) > allowed) break;
            best = point;
        }
        return new TarAtFarResult(targetFar, best.Tar, best.Far, best.Threshold, allowed >= 1);
    }
}
