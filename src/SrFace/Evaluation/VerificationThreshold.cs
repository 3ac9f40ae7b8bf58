namespace SrFace.Evaluation;

/// <summary>
/// Best-accuracy threshold selection for face verification, and accuracy at a given threshold: the pure part of
/// insightface's <c>eval/verification.py</c> and facenet's <c>lfw.py</c>, on similarities instead of distances.
/// </summary>
/// <remarks>
/// <para>Decision rule: a pair is declared "same" when <c>score &gt;= threshold</c>.</para>
/// <para>Candidates: with <c>s_1 &lt; ... &lt; s_m</c> the distinct scores, the candidates are
/// <c>-inf</c> (accept all), the midpoints <c>(s_i + s_{i+1}) / 2</c>, and <c>+inf</c> (reject all). Every
/// achievable split of the sorted scores is covered, and midpoints generalise better to held-out pairs than the
/// scores themselves. (insightface sweeps a fixed grid of 400 distances instead; the sweep here is exact.)</para>
/// <para>Tie rule: when several candidates reach the same best accuracy, the <b>largest</b> threshold (the
/// strictest, fewest false accepts) is taken. This is what insightface's <c>argmax</c> over ascending distance
/// thresholds picks once distance is turned into similarity.</para>
/// </remarks>
public static class VerificationThreshold
{
    /// <summary>Chooses the threshold with the highest accuracy on <paramref name="pairs"/> (exact sweep, O(n log n)).</summary>
    /// <param name="pairs">Scored pairs; folds are ignored.</param>
    /// <returns>The best threshold (largest among ties) and its accuracy on <paramref name="pairs"/>.</returns>
    /// <exception cref="ArgumentException">When <paramref name="pairs"/> is empty or holds a non-finite score.</exception>
    public static ThresholdChoice BestThreshold(IReadOnlyList<ScoredPair> pairs)
    {
        PairChecks.Validate(pairs, nameof(pairs));
        var sorted = pairs.OrderByDescending(p => p.Score).ToArray();
        int n = sorted.Length, negatives = sorted.Count(p => !p.IsSame);

        // Start at +inf: everything rejected, so only the negatives are right. Then lower the threshold past one
        // group of equal scores at a time; each group moves its positives to "right" and its negatives to "wrong".
        var bestCorrect = negatives;
        var bestThreshold = double.PositiveInfinity;
        var correct = negatives;
        for (var i = 0; i < n;)
        {
            var score = sorted[i].Score;
            for (; i < n && sorted[i].Score == score; i++) correct += sorted[i].IsSame ? 1 : -1;
            var threshold = i < n ? (score + sorted[i].Score) / 2 : double.NegativeInfinity;
            // Strictly greater: on ties the earlier (larger) threshold stays.
            if (correct > bestCorrect) (bestCorrect, bestThreshold) = (correct, threshold);
        }
        return new ThresholdChoice(bestThreshold, (double)bestCorrect / n);
    }

    /// <summary>Fraction of pairs classified correctly when "same" means <c>score &gt;= threshold</c>.</summary>
    /// <param name="pairs">Scored pairs; folds are ignored.</param>
    /// <param name="threshold">Decision threshold (infinities allowed).</param>
    /// <returns>Accuracy in [0, 1].</returns>
    /// <exception cref="ArgumentException">When <paramref name="pairs"/> is empty, a score is non-finite or the threshold is NaN.</exception>
    public static double AccuracyAt(IReadOnlyList<ScoredPair> pairs, double threshold)
    {
        PairChecks.Validate(pairs, nameof(pairs));
        if (double.IsNaN(threshold)) throw new ArgumentException("The threshold is NaN.", nameof(threshold));
        var correct = pairs.Count(p => (p.Score >= threshold) == p.IsSame);
        return (double)correct / pairs.Count;
    }

    /// <summary>
    /// LFW View 1 style evaluation: the threshold is chosen on one set (DevTrain) and applied to another (DevTest).
    /// </summary>
    /// <param name="train">Pairs the threshold is chosen on.</param>
    /// <param name="test">Pairs the threshold is applied to.</param>
    /// <returns>The threshold chosen on <paramref name="train"/> and the accuracy it gives on <paramref name="test"/>.</returns>
    /// <exception cref="ArgumentException">When either set is empty or holds a non-finite score.</exception>
    public static ThresholdChoice TrainTest(IReadOnlyList<ScoredPair> train, IReadOnlyList<ScoredPair> test)
    {
        var chosen = BestThreshold(train);
        return new ThresholdChoice(chosen.Threshold, AccuracyAt(test, chosen.Threshold));
    }
}
