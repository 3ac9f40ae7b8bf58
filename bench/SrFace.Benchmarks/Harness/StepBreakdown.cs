using System.Diagnostics;
using System.Runtime.InteropServices;
using SrFace.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace SrFace.Benchmarks.Harness;

/// <summary>Wall-clock and process CPU seconds of one part of a training step, one value per timed run.</summary>
/// <param name="Part">The part's name (<see cref="JointTrainer.PhaseCompleted"/>, <see cref="StepBreakdown.Release"/> or "step").</param>
/// <param name="Timing">Wall-clock seconds.</param>
/// <param name="Cpu">CPU seconds of all the process's threads (on a shared machine steadier than wall-clock time).</param>
public sealed record PartTiming(string Part, Timing Timing, Timing Cpu);

/// <summary>
/// Per-part timing of <see cref="JointTrainer.Step"/> (<c>joint --breakdown</c>): the trainer reports the end of each
/// part through <see cref="JointTrainer.PhaseCompleted"/> and the time between two reports is that part's; the last
/// part, "release tensors", is from the step's return to the end of the run's dispose scope, and "step" is the whole
/// run. Same warm-up and repetitions as <see cref="StopwatchRunner.TimeStep"/>; wall-clock and process CPU time
/// (CLOCK_PROCESS_CPUTIME_ID, as Python's <c>time.process_time</c>), so bench/pytorch/joint_step.py
/// <c>--breakdown</c> prints the same figures of the PyTorch reference.
/// </summary>
internal static class StepBreakdown
{
    /// <summary>Name of the part from the step's return to the end of its dispose scope.</summary>
    public const string Release = "release tensors";

    /// <summary>Runs the step warm-up + repetitions times and returns each part's times per timed run, in step order, then "step".</summary>
    /// <param name="profile">Warm-up and timed step counts.</param>
    /// <param name="trainer">The trainer; its <see cref="JointTrainer.PhaseCompleted"/> is set for the call and cleared after.</param>
    /// <param name="step">One step of <paramref name="trainer"/>.</param>
    public static IReadOnlyList<PartTiming> Measure(RunProfile profile, JointTrainer trainer, Action step)
    {
        var parts = new List<string>();
        var wall = new Dictionary<string, List<double>>();
        var cpu = new Dictionary<string, List<double>>();
        var watch = new Stopwatch();
        double lastWall = 0, lastCpu = 0;
        var timed = false;
        void Add(string part, double wallSeconds, double cpuSeconds)
        {
            if (!timed) return;
            if (!wall.ContainsKey(part)) { parts.Add(part); wall[part] = []; cpu[part] = []; }
            wall[part].Add(wallSeconds);
            cpu[part].Add(cpuSeconds);
        }
        void Record(string part)
        {
            var (nowWall, nowCpu) = (watch.Elapsed.TotalSeconds, ProcessCpuSeconds());
            Add(part, nowWall - lastWall, nowCpu - lastCpu);
            (lastWall, lastCpu) = (nowWall, nowCpu);
        }
        trainer.PhaseCompleted = Record;
        try
        {
            for (var i = 0; i < profile.StepWarmup + profile.StepRepetitions; i++)
            {
                timed = i >= profile.StepWarmup;
                var startCpu = lastCpu = ProcessCpuSeconds();
                lastWall = 0;
                watch.Restart();
                using (NewDisposeScope()) step();
                Record(Release);
                Add("step", watch.Elapsed.TotalSeconds, lastCpu - startCpu);
            }
        }
        finally
        {
            trainer.PhaseCompleted = null;
        }
        return parts.Select(p => new PartTiming(p, new Timing(wall[p]), new Timing(cpu[p]))).ToList();
    }

    /// <summary>Prints a breakdown as a table: part, median and minimum wall-clock ms, median CPU ms, share of the
    /// median step.</summary>
    /// <param name="title">What ran (case, size, precision).</param>
    /// <param name="breakdown">From <see cref="Measure"/>.</param>
    public static void Write(string title, IReadOnlyList<PartTiming> breakdown)
    {
        var step = breakdown.Single(b => b.Part == "step").Timing.Median;
        var table = new Table().Title(Markup.Escape(title)).AddColumn("part");
        foreach (var column in new[] { "median ms", "min ms", "CPU ms (median)", "% of step" }) table.AddColumn(new TableColumn(column).RightAligned());
        foreach (var b in breakdown)
            table.AddRow(Markup.Escape(b.Part), $"{b.Timing.Median * 1000:F1}", $"{b.Timing.Min * 1000:F1}", $"{b.Cpu.Median * 1000:F1}", $"{100 * b.Timing.Median / step:F1}");
        AnsiConsole.Write(table);
    }

    private const int ClockProcessCpuTime = 2; // CLOCK_PROCESS_CPUTIME_ID (Linux)

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>CPU seconds used by every thread of this process so far (NaN where the clock is not available).</summary>
    private static double ProcessCpuSeconds()
    {
        try
        {
            return ClockGetTime(ClockProcessCpuTime, out var t) == 0 ? t.Seconds + t.Nanoseconds * 1e-9 : double.NaN;
        }
        catch (DllNotFoundException)
        {
            return double.NaN;
        }
    }
}
