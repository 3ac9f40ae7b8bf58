using SrFace.Data;

namespace SrFace.Evaluation;

/// <summary>
/// The LFW verification protocols (Huang et al. 2007, LFW technical report 07-49) run on a
/// <see cref="LowResolutionBenchmark"/>: View 1 (threshold from <c>pairsDevTrain.txt</c>, applied to
/// <c>pairsDevTest.txt</c>) and View 2 (<c>pairs.txt</c>, 10-fold, restricted to untrained identities).
/// </summary>
public static class LfwProtocols
{
    /// <summary>View 1: scores DevTrain and DevTest pairs, chooses each threshold on DevTrain and applies it to DevTest.</summary>
    /// <param name="benchmark">The benchmark (models, probe sizes).</param>
    /// <param name="devTrain">The <c>pairsDevTrain.txt</c> pairs (people the model may have trained on).</param>
    /// <param name="devTest">The <c>pairsDevTest.txt</c> pairs.</param>
    /// <param name="trainingIdentities">People the models were trained on, checked against DevTest; null skips the check (stated in the result).</param>
    /// <param name="progress">Receives (phase, pairs done), or null.</param>
    /// <returns>Accuracy on DevTest with DevTrain thresholds, plus AUC, EER and TAR@FAR on DevTest.</returns>
    /// <exception cref="ProtocolViolationException">When a DevTest identity was trained on.</exception>
    public static ProtocolResult View1(LowResolutionBenchmark benchmark, LfwPairs devTrain, LfwPairs devTest,
        IReadOnlySet<string>? trainingIdentities, IProgress<(string Phase, int Done)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(benchmark);
        if (trainingIdentities is not null) ProtocolGuard.EnsureDisjoint(trainingIdentities, devTest);
        var loader = benchmark.CreateLoader(devTrain.Pairs.Concat(devTest.Pairs));
        var trainScores = benchmark.Score(devTrain.Pairs, loader, Report(progress, "View 1 DevTrain"));
        var testScores = benchmark.Score(devTest.Pairs, loader, Report(progress, "View 1 DevTest"));
        var results = new List<PipelineResult>();
        foreach (var pipeline in benchmark.Pipelines)
            foreach (var size in benchmark.ProbeSizes)
            {
                var test = testScores.Scored(pipeline, size);
                var train = VerificationThreshold.BestThreshold(trainScores.Scored(pipeline, size));
                var report = VerificationReport.Evaluate(test, benchmark.Options.TargetFars);
                results.Add(new PipelineResult(pipeline, size, VerificationThreshold.AccuracyAt(test, train.Threshold), 0, train.Threshold, report)
                    { ThresholdSetAccuracy = train.Accuracy });
            }
        var check = trainingIdentities is null
            ? "No training identity list was given, so the DevTest identities were NOT checked against training."
            : $"Checked: none of the {devTest.Identities.Count} DevTest identities is among the {trainingIdentities.Count} training identities.";
        var statement = $"LFW View 1: for each pipeline and probe size the best-accuracy threshold is chosen on the {devTrain.Pairs.Count} pairs of " +
            $"{Path.GetFileName(devTrain.SourceFile)} and applied to the {devTest.Pairs.Count} pairs of {Path.GetFileName(devTest.SourceFile)}; " +
            $"AUC, EER and TAR@FAR are measured on DevTest. DevTrain people may be training people (the View 1 design). {check}";
        return new ProtocolResult("View 1", devTest.SourceFile, devTrain.SourceFile, devTest.Pairs.Count, statement, null, results, testScores);
    }

    /// <summary>
    /// View 2: 10-fold verification on <c>pairs.txt</c> (threshold from 9 folds, applied to the 10th; mean and
    /// population std), plus AUC, EER and TAR@FAR over all evaluated pairs. With training identities, only pairs whose two
    /// people were both untrained are scored (<see cref="ProtocolGuard.ExcludeTrained"/>); the folds keep their file order.
    /// </summary>
    /// <param name="benchmark">The benchmark.</param>
    /// <param name="pairs">The <c>pairs.txt</c> pairs.</param>
    /// <param name="trainingIdentities">People the models were trained on, or null to score all pairs (stated in the result).</param>
    /// <param name="progress">Receives (phase, pairs done), or null.</param>
    /// <returns>The View 2 result with its exclusion counts.</returns>
    /// <exception cref="ArgumentException">When fewer than two folds or only one class of pairs remain after the exclusion.</exception>
    public static ProtocolResult View2(LowResolutionBenchmark benchmark, LfwPairs pairs, IReadOnlySet<string>? trainingIdentities,
        IProgress<(string Phase, int Done)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(benchmark);
        var exclusion = trainingIdentities is null ? null : ProtocolGuard.ExcludeTrained(trainingIdentities, pairs);
        var kept = exclusion is null ? pairs.Pairs : exclusion.KeptIndices.Select(i => pairs.Pairs[i]).ToArray();
        if (kept.Select(p => p.Fold).Distinct().Count() < 2 || kept.All(p => p.IsSame) || kept.All(p => !p.IsSame))
            throw new ArgumentException($"{pairs.SourceFile}: only {kept.Count} pairs remain after removing trained identities; View 2 needs two folds and both pair kinds.");
        var scores = benchmark.Score(kept, benchmark.CreateLoader(kept), Report(progress, "View 2"));
        var results = new List<PipelineResult>();
        foreach (var pipeline in benchmark.Pipelines)
            foreach (var size in benchmark.ProbeSizes)
            {
                var report = VerificationReport.Evaluate(scores.Scored(pipeline, size), benchmark.Options.TargetFars);
                results.Add(new PipelineResult(pipeline, size, report.AccuracyMean!.Value, report.AccuracyStd, report.TestTunedThreshold, report));
            }
        var folds = kept.Select(p => p.Fold).Distinct().Count();
        var statement = exclusion is null
            ? $"LFW View 2: all {pairs.Pairs.Count} pairs of {Path.GetFileName(pairs.SourceFile)}, {folds} folds in file order; each fold's threshold is chosen on the other {folds - 1}. " +
              "No training identity list was given, so pairs were NOT checked for trained people."
            : $"LFW View 2: models trained on LFW people overlap the View 2 folds, so only pairs whose two people were both outside the " +
              $"{trainingIdentities!.Count} training identities are scored: {exclusion.KeptIndices.Count} of {exclusion.TotalPairs} pairs remain " +
              $"({exclusion.KeptMatched} matched, {exclusion.KeptMismatched} mismatched; per fold {string.Join("/", exclusion.KeptPerFold)}), " +
              $"{exclusion.ExcludedPairs} excluded. The {folds} folds keep their file order; each fold's threshold is chosen on the remaining pairs of the other folds. " +
              $"The kept pairs are unbalanced: answering always '{(exclusion.KeptMatched >= exclusion.KeptMismatched ? "same" : "different")}' already scores " +
              $"{(double)Math.Max(exclusion.KeptMatched, exclusion.KeptMismatched) / kept.Count:0.0000}, so compare pipelines with AUC and EER here.";
        return new ProtocolResult("View 2", pairs.SourceFile, null, kept.Count, statement, exclusion, results, scores);
    }

    /// <summary>
    /// The threshold to calibrate the cascade with: the View 1 DevTrain threshold of the full cascade (pipeline (c)) at
    /// the probe size closest to the model's own low-resolution input S/s, i.e. where the cascade was trained to work,
    /// clamped to [-1, 1] (an infinite best threshold means "accept all" or "reject all").
    /// </summary>
    /// <param name="view1">The View 1 result.</param>
    /// <param name="modelLowResolutionSize">The model's S/s in pixels.</param>
    /// <returns>The threshold and the probe size it was chosen at.</returns>
    public static (double Threshold, int ProbeSize) CalibrationThreshold(ProtocolResult view1, int modelLowResolutionSize)
    {
        ArgumentNullException.ThrowIfNull(view1);
        var cascade = view1.Results.Where(r => r.Pipeline == RecognitionPipeline.Cascade).ToArray();
        var chosen = cascade.OrderBy(r => Math.Abs(r.ProbeSize - modelLowResolutionSize)).ThenBy(r => r.ProbeSize).First();
        return (Math.Clamp(chosen.Threshold, -1, 1), chosen.ProbeSize);
    }

    private static IProgress<int>? Report(IProgress<(string, int)>? progress, string phase) =>
        progress is null ? null : new SynchronousProgress(done => progress.Report((phase, done)));

    /// <summary>IProgress that reports on the caller's thread (System.Progress posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
