using System.Text.Json.Serialization;

namespace SrFace.Evaluation;

/// <summary>One pipeline at one probe size under one protocol.</summary>
/// <param name="Pipeline">The pipeline.</param>
/// <param name="ProbeSize">Probe side in pixels.</param>
/// <param name="Accuracy">Verification accuracy in [0, 1]: View 1, the DevTrain threshold applied to DevTest; View 2,
/// the mean of the leave-one-fold-out accuracies (10 folds in <c>pairs.txt</c>).</param>
/// <param name="AccuracyStd">View 2: population standard deviation of the fold accuracies; View 1: 0.</param>
/// <param name="Threshold">Cosine threshold: View 1, chosen on DevTrain (the one applied to DevTest); View 2, the best
/// threshold over all evaluated pairs.</param>
/// <param name="Verification">AUC, EER and TAR@FAR on the test pairs (View 1: DevTest; View 2: all evaluated pairs,
/// with per-fold thresholds and accuracies in <see cref="VerificationReport.Folds"/>).</param>
public sealed record PipelineResult(RecognitionPipeline Pipeline, int ProbeSize, double Accuracy, double AccuracyStd, double Threshold, VerificationReport Verification)
{
    /// <summary>View 1: accuracy on the DevTrain pairs at <see cref="Threshold"/> (the set it was chosen on, so optimistic:
    /// for choosing settings without touching DevTest); null for View 2.</summary>
    public double? ThresholdSetAccuracy { get; init; }
}

/// <summary>The outcome of one LFW protocol (View 1 or View 2) for every pipeline and probe size.</summary>
/// <param name="Protocol"><c>View 1</c> or <c>View 2</c>.</param>
/// <param name="TestPairsFile">The file the reported numbers are measured on.</param>
/// <param name="ThresholdPairsFile">View 1: the file thresholds are chosen on (DevTrain); View 2: null (the folds of the test file).</param>
/// <param name="EvaluatedPairs">Test pairs scored (after any exclusion).</param>
/// <param name="Statement">How the protocol was run, in one paragraph, for the report.</param>
/// <param name="Exclusion">View 2: the pairs kept after removing trained identities; null when no exclusion applied.</param>
/// <param name="Results">One entry per (pipeline, probe size), pipelines in enum order, sizes ascending.</param>
/// <param name="TestScores">The test pairs' scores (for ROC figures; not serialised).</param>
public sealed record ProtocolResult(
    string Protocol,
    string TestPairsFile,
    string? ThresholdPairsFile,
    int EvaluatedPairs,
    string Statement,
    PairExclusion? Exclusion,
    IReadOnlyList<PipelineResult> Results,
    [property: JsonIgnore] PairScoreTable TestScores)
{
    /// <summary>The result of one pipeline at one probe size.</summary>
    /// <param name="pipeline">The pipeline.</param>
    /// <param name="probeSize">Probe side in pixels.</param>
    /// <returns>The result.</returns>
    /// <exception cref="InvalidOperationException">When that combination was not run.</exception>
    public PipelineResult Get(RecognitionPipeline pipeline, int probeSize) =>
        Results.First(r => r.Pipeline == pipeline && r.ProbeSize == probeSize);
}
