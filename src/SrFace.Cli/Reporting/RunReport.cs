using System.Text.Json;
using SrFace.Cascade;
using SrFace.Data;
using SrFace.Degradation;
using SrFace.Evaluation;
using SrFace.Training;
using static TorchSharp.torch;

namespace SrFace.Cli.Reporting;

/// <summary>Mean of one logged value over the first and the last <c>Window</c> iterations of a run.</summary>
internal sealed record MetricWindow(string Name, int Window, double First, double Last);

/// <summary>
/// The held-out restoration check: mean PSNR (dB; Y channel by BT.601 for RGB, border = scale, as
/// <see cref="ImageQualityMetrics"/>) of the SR-restored and of the bicubic-upsampled faces against the HR faces.
/// </summary>
/// <param name="Faces">Faces measured.</param>
/// <param name="Identities">Validation identities (never trained on).</param>
/// <param name="Restored">PSNR of the cascade's restoration (null for the recogniser-only baseline).</param>
/// <param name="Bicubic">PSNR of bicubic upsampling.</param>
internal sealed record PsnrCheck(int Faces, int Identities, double? Restored, double Bicubic);

/// <summary>The run folder's <c>summary.json</c>: how the run ended, the loss windows and the held-out check.</summary>
internal sealed record RunSummary(
    string StopReason, string Message, long Iterations, string RunFolder,
    IReadOnlyList<MetricWindow> Metrics, PsnrCheck? Psnr, IReadOnlyList<string> ValidationIdentities, int ValidationSplitSeed, double ValidationFraction)
{
    /// <summary>File name inside the run folder.</summary>
    public const string FileName = "summary.json";

    /// <summary>Writes <c>summary.json</c> into the run folder.</summary>
    public void Save() => AtomicFile.WriteText(Path.Combine(RunFolder, FileName),
        JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
}

/// <summary>End-of-run figures of <c>srface train</c>.</summary>
internal static class RunReport
{
    /// <summary>Faces in the held-out PSNR check.</summary>
    public const int PsnrFaces = 64;

    /// <summary>
    /// Means of every loss (<c>l_*</c>), the pair distances and the throughput over the first and the last
    /// <paramref name="window"/> logged iterations; a run shorter than two windows is split in halves, so the two
    /// means never share an iteration.
    /// </summary>
    public static IReadOnlyList<MetricWindow> Windows(string metricsPath, int window = 100)
    {
        var rows = MetricsLog.Read(metricsPath);
        if (rows.Count == 0) return [];
        var n = Math.Max(1, Math.Min(window, rows.Count / 2));
        var names = rows[^1].Keys.Where(k => k.StartsWith("l_", StringComparison.Ordinal) || k is "d_pos" or "d_neg" or "images_per_s");
        return names.Select(name => new MetricWindow(name, n,
            rows.Take(n).Select(r => r.GetValueOrDefault(name, double.NaN)).Average(),
            rows.TakeLast(n).Select(r => r.GetValueOrDefault(name, double.NaN)).Average())).ToList();
    }

    /// <summary>
    /// Degrades up to <see cref="PsnrFaces"/> validation faces with the run's degradation (fixed seed), restores them
    /// with the cascade and measures both restorations against the HR faces. Null when there are no validation faces.
    /// </summary>
    public static PsnrCheck? MeasurePsnr(FaceRecognitionCascade cascade, FaceDataset validation, FacePreparer preparer, DegradationOptions degradation, int seed)
    {
        if (validation.Count == 0) return null;
        var files = TrainingDataSetup.SpreadSample(validation, PsnrFaces);
        using var scope = NewDisposeScope();
        var hr = new FaceImageLoader(validation, preparer).LoadFiles(files);       // [N, C, S, S]
        var lr = new FaceDegradation(degradation).Degrade(hr, seed);                 // [N, C, S/s, S/s]
        var size = (int)hr.shape[2];
        var bicubic = FaceDegradation.Upsample(lr, size, size);                      // [N, C, S, S]
        var y = hr.shape[1] == 3;
        var border = degradation.Scale;
        double? restored = cascade.SuperResolution is null ? null
            : ImageQualityMetrics.Psnr(cascade.Restore(lr), hr, border, y);
        return new PsnrCheck(files.Count, validation.Identities.Count, restored, ImageQualityMetrics.Psnr(bicubic, hr, border, y));
    }
}
