using System.Globalization;
using System.Text;

namespace SrFace.Evaluation;

/// <summary>Renders an <see cref="EvaluationReport"/> as Markdown (GitHub tables), numbers in the invariant culture.</summary>
public static class EvaluationMarkdown
{
    /// <summary>Formats an accuracy as <c>0.8123</c>, or <c>0.8123 ± 0.0150</c> with a non-zero standard deviation.</summary>
    /// <param name="result">The pipeline result.</param>
    /// <param name="withStd">Whether to append the standard deviation (View 2).</param>
    /// <returns>The text.</returns>
    public static string Accuracy(PipelineResult result, bool withStd) =>
        withStd ? Invariant($"{result.Accuracy:0.0000} ± {result.AccuracyStd:0.0000}") : Invariant($"{result.Accuracy:0.0000}");

    /// <summary>Formats a TAR@FAR value, marking targets the impostor count cannot resolve.</summary>
    /// <param name="result">The TAR@FAR result.</param>
    /// <returns>The text, e.g. <c>0.4100</c> or <c>0.0000 (n/r)</c>.</returns>
    public static string Tar(TarAtFarResult result) => Invariant($"{result.Tar:0.0000}") + (result.Resolvable ? "" : " (n/r)");

    /// <summary>Renders the whole report.</summary>
    /// <param name="report">The report.</param>
    /// <returns>Markdown text.</returns>
    public static string Render(EvaluationReport report)
    {
        var md = new StringBuilder();
        md.AppendLine("# SrFace low-resolution face verification report").AppendLine();
        md.AppendLine(Invariant($"Created {report.CreatedUtc}, {report.ElapsedSeconds:0.0} s. Command:")).AppendLine();
        md.AppendLine("```").AppendLine(report.CommandLine).AppendLine("```").AppendLine();
        md.AppendLine("## Models").AppendLine();
        md.AppendLine("| role | file | SR | S | scale | fusion | description |").AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var m in report.Models)
            md.AppendLine($"| {m.Role} | `{m.Path}` | {m.SuperResolution ?? "none"} | {m.InputSize} | x{m.Scale} | {m.Fusion} | {m.Description} |");
        md.AppendLine().AppendLine("Pipelines (the first image of each pair stays HR, the second is degraded to the probe size):").AppendLine();
        foreach (var pl in Enum.GetValues<RecognitionPipeline>()) md.AppendLine($"- **{pl.Label()}**: {pl.Describe()}.");
        md.AppendLine().AppendLine($"Probe degradation: {report.Degradation}.").AppendLine();
        foreach (var note in report.Notes) md.AppendLine($"> {note}").AppendLine();

        foreach (var protocol in report.Protocols) RenderProtocol(md, report, protocol);

        if (report.SrQuality.Count > 0)
        {
            md.AppendLine("## Super-resolution quality").AppendLine();
            md.AppendLine($"{report.SrQualitySource} PSNR/SSIM on the Y channel (BT.601), border = scale; identity = mean cosine of the joint recogniser's embeddings of HR and the upsampled face.").AppendLine();
            md.AppendLine("| probe (px) | scale | border | faces | PSNR SR | PSNR bicubic | SSIM SR | SSIM bicubic | identity SR | identity bicubic |");
            md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            foreach (var r in report.SrQuality)
                md.AppendLine(Invariant($"| {r.ProbeSize} | x{r.Scale} | {r.Border} | {r.Faces} | {r.PsnrRestored:0.00} | {r.PsnrBicubic:0.00} | {r.SsimRestored:0.0000} | {r.SsimBicubic:0.0000} | {r.IdentityRestored:0.0000} | {r.IdentityBicubic:0.0000} |"));
            md.AppendLine();
        }

        if (report.Calibration is { } c)
            md.AppendLine("## Calibration").AppendLine().AppendLine(Invariant($"Threshold **{c.Threshold:0.0000}** at {c.ProbeSize} px: {c.Statement}")).AppendLine();

        md.AppendLine("## Figures").AppendLine();
        md.AppendLine($"- Accuracy vs probe resolution: ![accuracy]({EvaluationReport.AccuracyFigure})");
        md.AppendLine($"- ROC at the {report.X4ProbeSize} px probe ({report.Protocols[0].Protocol} test pairs): ![roc]({EvaluationReport.RocFigure})");
        md.AppendLine($"- Sample faces at {report.X4ProbeSize} px (HR | LR nearest | bicubic | restored): ![samples]({EvaluationReport.SamplesFigure})");
        return md.ToString();
    }

    private static void RenderProtocol(StringBuilder md, EvaluationReport report, ProtocolResult protocol)
    {
        var view2 = protocol.Protocol == "View 2";
        var pipelines = protocol.TestScores.Pipelines;
        md.AppendLine($"## LFW {protocol.Protocol}").AppendLine().AppendLine(protocol.Statement).AppendLine();
        md.AppendLine(view2 ? $"Accuracy ({protocol.Results[0].Verification.Folds.Count}-fold mean ± std):" : "Accuracy (DevTrain threshold on DevTest):").AppendLine();
        md.AppendLine("| probe (px) | scale | " + string.Join(" | ", pipelines.Select(p => p.Label())) + " |");
        md.AppendLine("| --- | --- | " + string.Join(" | ", pipelines.Select(_ => "---")) + " |");
        foreach (var size in report.ProbeSizes)
            md.AppendLine(Invariant($"| {size} | x{(double)report.InputSize / size:0.##} | ") +
                string.Join(" | ", pipelines.Select(p => Accuracy(protocol.Get(p, size), view2))) + " |");
        md.AppendLine();

        var fars = protocol.Results[0].Verification.TarAtFar.Keys.Order().ToArray();
        md.AppendLine("| probe (px) | pipeline | AUC | EER | " + string.Join(" | ", fars.Select(f => Invariant($"TAR@FAR={f:0.###E+0}"))) + " | threshold |");
        md.AppendLine("| --- | --- | --- | --- | " + string.Join(" | ", fars.Select(_ => "---")) + " | --- |");
        foreach (var size in report.ProbeSizes)
            foreach (var p in pipelines)
            {
                var r = protocol.Get(p, size);
                md.AppendLine(Invariant($"| {size} | {p.Label()} | {r.Verification.Auc:0.0000} | {r.Verification.Eer:0.0000} | ") +
                    string.Join(" | ", fars.Select(f => Tar(r.Verification.TarAtFar[f]))) + Invariant($" | {r.Threshold:0.0000} |"));
            }
        md.AppendLine().AppendLine("(n/r: the impostor count cannot resolve that FAR.)").AppendLine();

        if (view2)
        {
            var x4 = report.X4ProbeSize;
            md.AppendLine($"Per-fold accuracy at the {x4} px probe (evaluated pairs only):").AppendLine();
            md.AppendLine("| fold | pairs | " + string.Join(" | ", pipelines.Select(p => p.Label())) + " |");
            md.AppendLine("| --- | --- | " + string.Join(" | ", pipelines.Select(_ => "---")) + " |");
            var folds = protocol.Get(pipelines[0], x4).Verification.Folds;
            foreach (var fold in folds)
                md.AppendLine($"| {fold.Fold + 1} | {fold.PairCount} | " + string.Join(" | ", pipelines.Select(p =>
                    Invariant($"{protocol.Get(p, x4).Verification.Folds.First(f => f.Fold == fold.Fold).Accuracy:0.0000}"))) + " |");
            md.AppendLine();
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
