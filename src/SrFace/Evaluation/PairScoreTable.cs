using SrFace.Data;

namespace SrFace.Evaluation;

/// <summary>
/// Cosine scores of one list of pairs under every (pipeline, probe size) of a <see cref="LowResolutionBenchmark"/> run:
/// row i of every score array belongs to <see cref="Pairs"/>[i].
/// </summary>
public sealed class PairScoreTable
{
    private readonly Dictionary<(RecognitionPipeline, int), double[]> _scores;

    /// <summary>Creates a table.</summary>
    /// <param name="pairs">The scored pairs, in order.</param>
    /// <param name="scores">One array of cosines in [-1, 1] per (pipeline, probe size), each of <paramref name="pairs"/>' length.</param>
    /// <exception cref="ArgumentException">When an array's length differs from the pair count.</exception>
    public PairScoreTable(IReadOnlyList<FacePair> pairs, IReadOnlyDictionary<(RecognitionPipeline Pipeline, int ProbeSize), double[]> scores)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(scores);
        foreach (var (key, values) in scores)
            if (values.Length != pairs.Count)
                throw new ArgumentException($"{key.Pipeline} at {key.ProbeSize} px has {values.Length} scores for {pairs.Count} pairs.", nameof(scores));
        Pairs = pairs;
        _scores = scores.ToDictionary(kv => (kv.Key.Pipeline, kv.Key.ProbeSize), kv => kv.Value);
        Pipelines = _scores.Keys.Select(k => k.Item1).Distinct().Order().ToArray();
        ProbeSizes = _scores.Keys.Select(k => k.Item2).Distinct().Order().ToArray();
    }

    /// <summary>The pairs, in order.</summary>
    public IReadOnlyList<FacePair> Pairs { get; }

    /// <summary>Pipelines present, in enum order.</summary>
    public IReadOnlyList<RecognitionPipeline> Pipelines { get; }

    /// <summary>Probe sides present, ascending.</summary>
    public IReadOnlyList<int> ProbeSizes { get; }

    /// <summary>The cosine scores of one pipeline at one probe size.</summary>
    /// <param name="pipeline">The pipeline.</param>
    /// <param name="probeSize">The probe side in pixels.</param>
    /// <returns>One cosine per pair.</returns>
    /// <exception cref="KeyNotFoundException">When that combination was not run.</exception>
    public IReadOnlyList<double> Scores(RecognitionPipeline pipeline, int probeSize) =>
        _scores.TryGetValue((pipeline, probeSize), out var s) ? s
            : throw new KeyNotFoundException($"No scores for {pipeline} at {probeSize} px.");

    /// <summary>The scores as <see cref="ScoredPair"/>s (fold = the pair's fold), optionally only the pairs at <paramref name="keep"/>.</summary>
    /// <param name="pipeline">The pipeline.</param>
    /// <param name="probeSize">The probe side in pixels.</param>
    /// <param name="keep">Indices into <see cref="Pairs"/> to keep, or null for all.</param>
    /// <returns>The scored pairs.</returns>
    public IReadOnlyList<ScoredPair> Scored(RecognitionPipeline pipeline, int probeSize, IReadOnlyList<int>? keep = null)
    {
        var scores = Scores(pipeline, probeSize);
        var indices = keep ?? Enumerable.Range(0, Pairs.Count).ToArray();
        return indices.Select(i => new ScoredPair(scores[i], Pairs[i].IsSame, Pairs[i].Fold)).ToArray();
    }
}
