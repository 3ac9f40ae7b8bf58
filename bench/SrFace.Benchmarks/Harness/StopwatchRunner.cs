using System.Diagnostics;
using static TorchSharp.torch;

namespace SrFace.Benchmarks.Harness;

/// <summary>
/// The benchmark harness: run a step a few times untimed (oneDNN picks and caches its kernels, the allocator grows its
/// pools), then time each repetition with a <see cref="Stopwatch"/>. Each run gets its own dispose scope so native
/// memory stays flat however many repetitions there are.
/// </summary>
/// <remarks>
/// Deliberately not BenchmarkDotNet: one training step here takes 0.1-10 s, and BenchmarkDotNet's pilot, warm-up and
/// target stages (each at least a dozen invocations, plus a separate process per job) would turn a minute of
/// measurement into an hour. A median of a handful of runs is what a multi-second step can afford.
/// </remarks>
public sealed class StopwatchRunner(RunProfile profile)
{
    /// <summary>Repetition counts in force.</summary>
    public RunProfile Profile { get; } = profile;

    /// <summary>Times <paramref name="step"/>: <paramref name="warmup"/> untimed runs, then <paramref name="repetitions"/> timed ones.</summary>
    /// <param name="step">One unit of work; tensors it creates are disposed after each run.</param>
    /// <param name="warmup">Untimed runs first, &gt;= 0.</param>
    /// <param name="repetitions">Timed runs, &gt;= 1.</param>
    /// <returns>Seconds per timed run.</returns>
    public static Timing Time(Action step, int warmup, int repetitions)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        for (var i = 0; i < warmup; i++) RunScoped(step);
        var seconds = new double[repetitions];
        for (var i = 0; i < repetitions; i++)
        {
            var watch = Stopwatch.StartNew();
            RunScoped(step);
            seconds[i] = watch.Elapsed.TotalSeconds;
        }
        return new Timing(seconds);
    }

    /// <summary>Times a multi-second step (a training step, a batch) with the profile's step counts.</summary>
    /// <param name="step">One unit of work.</param>
    public Timing TimeStep(Action step) => Time(step, Profile.StepWarmup, Profile.StepRepetitions);

    /// <summary>Times a short call (one face) with the profile's latency counts.</summary>
    /// <param name="step">One unit of work.</param>
    public Timing TimeLatency(Action step) => Time(step, Profile.LatencyWarmup, Profile.LatencyRepetitions);

    private static void RunScoped(Action step)
    {
        using var scope = NewDisposeScope();
        step();
    }
}

/// <summary>How many runs each kind of case gets.</summary>
/// <param name="StepWarmup">Untimed training steps or batches before timing.</param>
/// <param name="StepRepetitions">Timed training steps or batches.</param>
/// <param name="LatencyWarmup">Untimed single-face calls.</param>
/// <param name="LatencyRepetitions">Timed single-face calls.</param>
public sealed record RunProfile(int StepWarmup, int StepRepetitions, int LatencyWarmup, int LatencyRepetitions)
{
    /// <summary>The full run: medians of 5 steps (after 1 warm-up: oneDNN's kernels are chosen on the first call) and 50 single faces.</summary>
    public static RunProfile Full { get; } = new(1, 5, 5, 50);

    /// <summary><c>--quick</c>: enough to see the ratios, a fraction of the time.</summary>
    public static RunProfile Quick { get; } = new(1, 2, 2, 10);
}
