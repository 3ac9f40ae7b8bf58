using System.Text.Json;
using System.Text.Json.Serialization;

namespace SrFace.Evaluation;

/// <summary>A model taking part in the evaluation.</summary>
/// <param name="Role"><c>joint</c> or <c>baseline</c>.</param>
/// <param name="Path">The model file.</param>
/// <param name="Description">The manifest's training summary.</param>
/// <param name="InputSize">Recogniser input side S in pixels.</param>
/// <param name="Scale">SR scale s (the model's LR input is S/s px).</param>
/// <param name="SuperResolution">SR model name, or null for a recogniser-only model.</param>
/// <param name="Fusion">Embedding fusion of the cascade.</param>
public sealed record EvaluatedModel(string Role, string Path, string Description, int InputSize, int Scale, string? SuperResolution, string Fusion);

/// <summary>The threshold the evaluation recommends for <see cref="Cascade.FaceRecognitionCascade.Calibrate"/>.</summary>
/// <param name="Threshold">Cosine threshold in [-1, 1].</param>
/// <param name="ProbeSize">Probe side it was chosen at.</param>
/// <param name="Statement">How it was chosen.</param>
public sealed record CalibrationChoice(double Threshold, int ProbeSize, string Statement);

/// <summary>
/// Everything an evaluation run measured: the low-resolution sweep under LFW View 1 and/or View 2 (or a pairs file), SR quality per
/// scale, the calibration threshold and how the run was made. <see cref="Write"/> produces <c>report.md</c>,
/// <c>report.json</c>, <c>accuracy_vs_resolution.png</c> and <c>roc_x4.png</c>; the sample grid
/// (<c>samples_x4.png</c>) needs the images and is written by <see cref="LfwEvaluation"/>.
/// </summary>
/// <param name="CommandLine">The exact command (or call) that produced the report.</param>
/// <param name="CreatedUtc">When the report was made (UTC, ISO 8601).</param>
/// <param name="Models">The joint model and, if given, the baseline.</param>
/// <param name="InputSize">Recogniser input side S in pixels.</param>
/// <param name="ProbeSizes">Probe sides, ascending.</param>
/// <param name="Degradation">How probes were made (options and seed).</param>
/// <param name="View1">LFW View 1 result, or null when not run.</param>
/// <param name="View2">LFW View 2 result, or null when not run.</param>
/// <param name="SrQuality">SR quality per probe size (empty when not measured).</param>
/// <param name="SrQualitySource">Which faces SR quality was measured on.</param>
/// <param name="Calibration">The recommended threshold (View 1 only), or null.</param>
/// <param name="Notes">Remarks such as skipped pipelines.</param>
/// <param name="ElapsedSeconds">Wall time of the evaluation in seconds.</param>
public sealed record EvaluationReport(
    string CommandLine,
    string CreatedUtc,
    IReadOnlyList<EvaluatedModel> Models,
    int InputSize,
    IReadOnlyList<int> ProbeSizes,
    string Degradation,
    ProtocolResult? View1,
    ProtocolResult? View2,
    IReadOnlyList<SrQualityRow> SrQuality,
    string SrQualitySource,
    CalibrationChoice? Calibration,
    IReadOnlyList<string> Notes,
    double ElapsedSeconds)
{
    /// <summary>File names inside the output folder.</summary>
    public const string MarkdownFile = "report.md", JsonFile = "report.json", AccuracyFigure = "accuracy_vs_resolution.png",
        RocFigure = "roc_x4.png", SamplesFigure = "samples_x4.png";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The result of a pairs file given instead of the LFW views (<see cref="LfwEvaluationOptions.PairsFile"/>), or null.</summary>
    public ProtocolResult? PairFile { get; init; }

    /// <summary>The protocols run, View 1 first.</summary>
    [JsonIgnore]
    public IReadOnlyList<ProtocolResult> Protocols => new[] { View1, View2, PairFile }.OfType<ProtocolResult>().ToArray();

    /// <summary>The probe size shown in the x4 figures: the one closest to S/4 (smaller wins ties).</summary>
    [JsonIgnore]
    public int X4ProbeSize => ProbeSizes.OrderBy(p => Math.Abs(p - InputSize / 4.0)).ThenBy(p => p).First();

    /// <summary>The report as indented JSON (infinite thresholds as "Infinity"; enums as names).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Writes <c>report.md</c>, <c>report.json</c> and the two plots into <paramref name="folder"/> (created if needed).</summary>
    /// <param name="folder">The output folder.</param>
    /// <exception cref="InvalidOperationException">When no protocol was run.</exception>
    /// <exception cref="IOException">When a file cannot be written.</exception>
    public void Write(string folder)
    {
        if (Protocols.Count == 0) throw new InvalidOperationException("The report has no protocol result to write.");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, JsonFile), ToJson());
        File.WriteAllText(Path.Combine(folder, MarkdownFile), EvaluationMarkdown.Render(this));
        var series = Protocols.SelectMany(pr => pr.TestScores.Pipelines.Select(pl => new ResolutionSeries(
            Protocols.Count > 1 ? $"{pl.Label()}, {pr.Protocol}" : pl.Label(),
            pr.Results.Where(r => r.Pipeline == pl).Select(r => (r.ProbeSize, r.Accuracy)).ToArray()))).ToArray();
        ReportFigures.AccuracyVsResolution(Path.Combine(folder, AccuracyFigure), series);
        var primary = Protocols[0];
        var curves = primary.TestScores.Pipelines.Select(pl => new NamedRocCurve($"{pl.Label()} ({X4ProbeSize} px)",
            RocAnalysis.Curve(primary.TestScores.Scored(pl, X4ProbeSize)))).ToArray();
        ReportFigures.RocCurves(Path.Combine(folder, RocFigure), curves);
    }
}
