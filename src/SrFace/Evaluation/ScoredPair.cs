namespace SrFace.Evaluation;

/// <summary>
/// One verification pair after scoring: the similarity of its two faces, whether they show the same person, and
/// the fold the pairs file puts it in (LFW <c>pairs.txt</c>: 10 contiguous folds, index 0..9).
/// </summary>
/// <param name="Score">Similarity of the two faces, usually the cosine of their embeddings in [-1, 1]; higher means
/// more alike. Must be finite.</param>
/// <param name="IsSame">True for a matched (genuine) pair, false for a mismatched (impostor) pair.</param>
/// <param name="Fold">Fold index for k-fold protocols (any non-negative integer; 0 when there are no folds).</param>
public readonly record struct ScoredPair(double Score, bool IsSame, int Fold = 0);

/// <summary>A decision threshold on similarity scores and the accuracy it reaches on the pairs it was chosen on.</summary>
/// <param name="Threshold">Pairs with <c>score &gt;= Threshold</c> are declared "same". May be
/// <see cref="double.NegativeInfinity"/> (accept all) or <see cref="double.PositiveInfinity"/> (reject all) when
/// that is best.</param>
/// <param name="Accuracy">Fraction of pairs classified correctly at <paramref name="Threshold"/>, in [0, 1].</param>
public readonly record struct ThresholdChoice(double Threshold, double Accuracy);

/// <summary>Shared argument checks for the verification functions.</summary>
internal static class PairChecks
{
    /// <summary>Throws when <paramref name="pairs"/> is empty or holds a non-finite score or a negative fold.</summary>
    public static void Validate(IReadOnlyList<ScoredPair> pairs, string paramName)
    {
        ArgumentNullException.ThrowIfNull(pairs, paramName);
        if (pairs.Count == 0) throw new ArgumentException("No scored pairs given.", paramName);
        for (var i = 0; i < pairs.Count; i++)
        {
            if (!double.IsFinite(pairs[i].Score))
                throw new ArgumentException($"Pair {i} has a non-finite score ({pairs[i].Score}).", paramName);
            if (pairs[i].Fold < 0)
                throw new ArgumentException($"Pair {i} has a negative fold index ({pairs[i].Fold}).", paramName);
        }
    }
}
