namespace SrFace.Benchmarks.Harness;

/// <summary>Wall-clock seconds of the timed repetitions of one benchmark case (warm-up runs excluded).</summary>
/// <param name="Seconds">One entry per timed repetition, in run order.</param>
public sealed record Timing(IReadOnlyList<double> Seconds)
{
    /// <summary>Median seconds per repetition (robust to the odd slow run on a shared machine).</summary>
    public double Median => Percentile(0.5);

    /// <summary>Fastest repetition, seconds.</summary>
    public double Min => Seconds.Min();

    /// <summary>Slowest repetition, seconds.</summary>
    public double Max => Seconds.Max();

    /// <summary>Spread as (max - min) / median, a fraction: 0.1 means the runs span 10% of the median.</summary>
    public double RelativeSpread => Median > 0 ? (Max - Min) / Median : 0;

    /// <summary>Linear-interpolated percentile of the repetitions.</summary>
    /// <param name="p">Fraction in [0, 1].</param>
    public double Percentile(double p)
    {
        var sorted = Seconds.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        var position = p * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }
}
