using ScottPlot;

namespace SrFace.Evaluation;

/// <summary>A named ROC curve for <see cref="ReportFigures.RocCurves"/> (e.g. one pipeline at one probe size).</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Points">Points from <see cref="RocAnalysis.Curve"/>.</param>
public sealed record NamedRocCurve(string Name, IReadOnlyList<RocPoint> Points);

/// <summary>One pipeline's accuracy at several probe resolutions, for <see cref="ReportFigures.AccuracyVsResolution"/>.</summary>
/// <param name="Pipeline">Legend text (e.g. "bicubic + recogniser", "SR cascade").</param>
/// <param name="Points">(probe side in pixels, accuracy in [0, 1]) pairs, in any order.</param>
public sealed record ResolutionSeries(string Pipeline, IReadOnlyList<(int ProbeSide, double Accuracy)> Points);

/// <summary>
/// The report's figures as PNG files (ScottPlot 5): ROC curves and accuracy versus probe resolution.
/// Each method creates the output folder if needed and overwrites the file.
/// </summary>
public static class ReportFigures
{
    /// <summary>Plots ROC curves: TAR (y) against FAR (x), one line per curve.</summary>
    /// <param name="path">PNG file to write.</param>
    /// <param name="curves">At least one named curve.</param>
    /// <param name="logFar">Log-scale FAR axis (the face-verification habit, showing low-FAR behaviour). Points with
    /// FAR = 0 cannot be drawn on it and are left out.</param>
    /// <param name="width">Image width in pixels, &gt;= 1.</param>
    /// <param name="height">Image height in pixels, &gt;= 1.</param>
    /// <exception cref="ArgumentException">When no curves are given or a curve has no drawable point.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When the size is below 1 pixel.</exception>
    public static void RocCurves(string path, IReadOnlyList<NamedRocCurve> curves, bool logFar = true, int width = 800, int height = 600)
    {
        CheckSeries(curves, nameof(curves));
        using var plot = new Plot();
        foreach (var curve in curves)
        {
            var points = curve.Points.Where(p => !logFar || p.Far > 0).ToArray();
            if (points.Length == 0) throw new ArgumentException($"ROC curve '{curve.Name}' has no point with FAR > 0 to draw on a log axis.", nameof(curves));
            var xs = points.Select(p => logFar ? Math.Log10(p.Far) : p.Far).ToArray();
            var line = plot.Add.Scatter(xs, points.Select(p => p.Tar).ToArray());
            line.LegendText = curve.Name;
            line.MarkerSize = 0;
        }
        if (logFar) UseLogTicks(plot.Axes.Bottom);
        plot.Axes.SetLimitsY(0, 1.02);
        Finish(plot, "ROC", logFar ? "FAR (log scale)" : "FAR", "TAR", path, width, height);
    }

    /// <summary>Plots verification (or identification) accuracy against probe side length, one line per pipeline.</summary>
    /// <param name="path">PNG file to write.</param>
    /// <param name="series">At least one pipeline with at least one point.</param>
    /// <param name="width">Image width in pixels, &gt;= 1.</param>
    /// <param name="height">Image height in pixels, &gt;= 1.</param>
    /// <param name="yLabel">Y axis label (the accuracy measured).</param>
    /// <exception cref="ArgumentException">When no series or an empty series is given.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When the size is below 1 pixel.</exception>
    public static void AccuracyVsResolution(string path, IReadOnlyList<ResolutionSeries> series, int width = 800, int height = 600, string yLabel = "Accuracy")
    {
        CheckSeries(series, nameof(series));
        using var plot = new Plot();
        foreach (var s in series)
        {
            if (s.Points.Count == 0) throw new ArgumentException($"Pipeline '{s.Pipeline}' has no points.", nameof(series));
            var points = s.Points.OrderBy(p => p.ProbeSide).ToArray();
            var line = plot.Add.Scatter(points.Select(p => (double)p.ProbeSide).ToArray(), points.Select(p => p.Accuracy).ToArray());
            line.LegendText = s.Pipeline;
        }
        Finish(plot, "Accuracy vs probe resolution", "Probe side (px)", yLabel, path, width, height);
    }

    private static void CheckSeries<T>(IReadOnlyList<T> series, string paramName)
    {
        ArgumentNullException.ThrowIfNull(series, paramName);
        if (series.Count == 0) throw new ArgumentException("Nothing to plot: no series given.", paramName);
    }

    /// <summary>Log axis the ScottPlot 5 way: data are plotted as log10, ticks at integer decades labelled 10^k.</summary>
    private static void UseLogTicks(IAxis axis)
    {
        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => $"1e{v:0}",
        };
        axis.TickGenerator = ticks;
    }

    private static void Finish(Plot plot, string title, string xLabel, string yLabel, string path, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.LowerRight);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        plot.SavePng(full, width, height);
    }
}
