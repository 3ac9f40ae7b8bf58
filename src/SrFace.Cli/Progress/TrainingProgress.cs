using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using SrFace.Training;

namespace SrFace.Cli.Progress;

/// <summary>
/// Shared bookkeeping of the progress observers: the latest losses and a smoothed throughput (exponential moving
/// average of <c>images_per_s</c>, so one slow JPEG-decoding batch does not swing the figure).
/// </summary>
internal abstract class TrainingProgressBase : ITrainingObserver
{
    private const double Smoothing = 0.1;

    protected long Start { get; private set; }

    protected long Total { get; private set; }

    protected double ImagesPerSecond { get; private set; } = double.NaN;

    protected IReadOnlyDictionary<string, double> Latest { get; private set; } = new Dictionary<string, double>();

    public virtual void OnStart(long startIteration, long maxIterations) => (Start, Total) = (startIteration, maxIterations);

    public virtual void OnIteration(long iteration, IReadOnlyDictionary<string, double> metrics)
    {
        Latest = metrics;
        if (metrics.TryGetValue("images_per_s", out var ips))
            ImagesPerSecond = double.IsNaN(ImagesPerSecond) ? ips : (1 - Smoothing) * ImagesPerSecond + Smoothing * ips;
    }

    public virtual void OnCheckpoint(string path, long nextIteration) { }

    public virtual void OnPretrainIteration(long step, long steps, double loss) { }

    /// <summary>"l_rec 0.0512  l_con 0.8123  215 img/s" (the losses that apply to this run).</summary>
    protected string Figures()
    {
        var parts = Latest.Where(kv => kv.Key.StartsWith("l_", StringComparison.Ordinal))
            .Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:F4}")).ToList();
        if (!double.IsNaN(ImagesPerSecond)) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{ImagesPerSecond:F0} img/s"));
        return string.Join("  ", parts);
    }
}

/// <summary>A live Spectre.Console progress bar: iteration/total, losses, images/s and the ETA column.</summary>
internal sealed class LiveTrainingProgress(ProgressTask task) : TrainingProgressBase
{
    public override void OnStart(long startIteration, long maxIterations)
    {
        base.OnStart(startIteration, maxIterations);
        task.MaxValue = maxIterations;
        task.Value = startIteration;
        task.Description = $"{startIteration}/{maxIterations}";
    }

    public override void OnPretrainIteration(long step, long steps, double loss)
    {
        task.MaxValue = steps;
        task.Value = step + 1;
        task.Description = string.Create(CultureInfo.InvariantCulture, $"SR pre-training {step + 1}/{steps}  l_pix {loss:F4}");
    }

    public override void OnIteration(long iteration, IReadOnlyDictionary<string, double> metrics)
    {
        base.OnIteration(iteration, metrics);
        task.Value = iteration + 1;
        task.Description = Markup.Escape($"{iteration + 1}/{Total}  {Figures()}");
    }
}

/// <summary>Plain progress lines for logs and pipes (no cursor movement): one line every <c>every</c> iterations and at the end.</summary>
internal sealed class PlainTrainingProgress(IAnsiConsole console, int every) : TrainingProgressBase
{
    private readonly Stopwatch _clock = new();

    public override void OnStart(long startIteration, long maxIterations)
    {
        base.OnStart(startIteration, maxIterations);
        _clock.Restart();
        console.WriteLine($"training iterations {startIteration}..{maxIterations}");
    }

    public override void OnIteration(long iteration, IReadOnlyDictionary<string, double> metrics)
    {
        base.OnIteration(iteration, metrics);
        var done = iteration + 1;
        if (done % every != 0 && done != Total) return;
        var rate = (done - Start) / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);
        var eta = TimeSpan.FromSeconds(Math.Round((Total - done) / Math.Max(1e-9, rate)));
        console.WriteLine($"iteration {done}/{Total}  {Figures()}  ETA {eta:g}");
    }

    public override void OnPretrainIteration(long step, long steps, double loss)
    {
        var done = step + 1;
        if (done % (every * 4) == 0 || done == steps)
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SR pre-training {done}/{steps}  l_pix {loss:F4}"));
    }

    public override void OnCheckpoint(string path, long nextIteration) => console.WriteLine($"checkpoint at {nextIteration}: {path}");
}

/// <summary>Runs a <see cref="TrainingRun"/> with a live progress bar in a terminal, or plain lines in logs and pipes.</summary>
internal static class TrainingConsole
{
    /// <summary>True when the console is an interactive terminal (live progress bars), false for logs and pipes.</summary>
    public static bool IsLive(IAnsiConsole console) => console.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;

    /// <summary>Runs the training loop with the fitting progress display.</summary>
    /// <param name="run">The prepared run.</param>
    /// <param name="trainer">Its trainer.</param>
    /// <param name="console">Where progress goes.</param>
    /// <param name="logEvery">Iterations between plain progress lines.</param>
    /// <param name="resume">Continue from the run's checkpoint.</param>
    /// <param name="label">Task label of the progress bar.</param>
    /// <param name="cancellation">Stops after the current iteration.</param>
    public static TrainingRunResult Run(TrainingRun run, JointTrainer trainer, IAnsiConsole console, int logEvery, bool resume, string label, CancellationToken cancellation)
    {
        if (!IsLive(console))
            return run.Run(trainer, new PlainTrainingProgress(console, logEvery), resume, cancellation);
        return console.Progress()
            .Columns(new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
            .Start(ctx => run.Run(trainer, new LiveTrainingProgress(ctx.AddTask(label)), resume, cancellation));
    }
}
