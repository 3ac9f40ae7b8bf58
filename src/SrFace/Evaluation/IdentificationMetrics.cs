namespace SrFace.Evaluation;

/// <summary>One probe's ranked gallery answer together with the probe's true identity.</summary>
/// <param name="TrueIdentity">The identity the probe really shows.</param>
/// <param name="RankedIdentities">Gallery identities, best match first (e.g. from <c>FaceGallery.Identify</c>).</param>
public sealed record ProbeRanking(string TrueIdentity, IReadOnlyList<string> RankedIdentities);

/// <summary>
/// Closed-set identification metrics: rank-k accuracy and the cumulative match characteristic (CMC) curve
/// (Phillips et al., FERET evaluation methodology, IEEE TPAMI 2000).
/// </summary>
/// <remarks>
/// A probe counts as a hit at rank k when its true identity is among the first k ranked identities (compared
/// ordinally, case-sensitive). A probe whose identity is absent from the gallery, or whose list is shorter than k
/// without it, counts as a miss at every rank: nothing is skipped, so enrol every probe identity for a closed-set
/// figure.
/// </remarks>
public static class IdentificationMetrics
{
    /// <summary>CMC curve: element <c>k - 1</c> is the fraction of probes whose true identity is within the top k.</summary>
    /// <param name="probes">Ranked results with true identities; at least one.</param>
    /// <param name="maxRank">Largest rank reported (curve length), &gt;= 1.</param>
    /// <returns>Non-decreasing accuracies in [0, 1], length <paramref name="maxRank"/>.</returns>
    /// <exception cref="ArgumentException">When <paramref name="probes"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="maxRank"/> &lt; 1.</exception>
    public static double[] Cmc(IReadOnlyList<ProbeRanking> probes, int maxRank)
    {
        ArgumentNullException.ThrowIfNull(probes);
        if (probes.Count == 0) throw new ArgumentException("No probe results given.", nameof(probes));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRank, 1);
        var hitsAtRank = new int[maxRank];
        foreach (var probe in probes)
        {
            var rank = IndexOf(probe.RankedIdentities, probe.TrueIdentity);
            if (rank >= 0 && rank < maxRank) hitsAtRank[rank]++;
        }
        var curve = new double[maxRank];
        var cumulative = 0;
        for (var k = 0; k < maxRank; k++)
        {
            cumulative += hitsAtRank[k];
            curve[k] = (double)cumulative / probes.Count;
        }
        return curve;
    }

    /// <summary>Rank-k accuracy (rank-1 = identification accuracy): the fraction of probes whose true identity is within the top k.</summary>
    /// <param name="probes">Ranked results with true identities; at least one.</param>
    /// <param name="k">Rank, &gt;= 1.</param>
    /// <returns>Accuracy in [0, 1].</returns>
    /// <exception cref="ArgumentException">When <paramref name="probes"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="k"/> &lt; 1.</exception>
    public static double RankAccuracy(IReadOnlyList<ProbeRanking> probes, int k = 1) => Cmc(probes, k)[k - 1];

    private static int IndexOf(IReadOnlyList<string> ranked, string identity)
    {
        for (var i = 0; i < ranked.Count; i++)
            if (string.Equals(ranked[i], identity, StringComparison.Ordinal)) return i;
        return -1;
    }
}
