namespace SrFace.Benchmarks.Harness;

/// <summary>One measured benchmark case.</summary>
/// <param name="Suite">"training", "inference" or "precision".</param>
/// <param name="Case">What ran, e.g. "joint FSRCNN x4 + FaceResNet-18 w32".</param>
/// <param name="Size">HR side in pixels (recogniser input S).</param>
/// <param name="Precision">"fp32" or "bf16".</param>
/// <param name="ItemsPerRun">Images (or faces) one timed run processes.</param>
/// <param name="Unit">What an item is, e.g. "HR img" or "face".</param>
/// <param name="Timing">Seconds per run.</param>
/// <param name="Parts">Seconds of each part of the timed runs, in run order (<see cref="StepBreakdown"/>), or null.</param>
public sealed record CaseResult(string Suite, string Case, int Size, string Precision, int ItemsPerRun, string Unit, Timing Timing,
    IReadOnlyList<PartTiming>? Parts = null)
{
    /// <summary>Items per second at the median run time.</summary>
    public double ItemsPerSecond => ItemsPerRun / Timing.Median;

    /// <summary>Median milliseconds per item.</summary>
    public double MillisecondsPerItem => Timing.Median * 1000 / ItemsPerRun;
}

/// <summary>A ratio of two cases measured in the same run.</summary>
/// <param name="Suite">Suite of both cases.</param>
/// <param name="Name">What is compared, e.g. "bf16 / fp32 images/s, joint 64 px".</param>
/// <param name="Value">Numerator / denominator.</param>
public sealed record RatioResult(string Suite, string Name, double Value)
{
    /// <summary>Throughput ratio a / b of two cases (a faster gives a value above 1).</summary>
    /// <param name="name">Label.</param>
    /// <param name="a">Numerator case.</param>
    /// <param name="b">Denominator case.</param>
    public static RatioResult Throughput(string name, CaseResult a, CaseResult b) => new(a.Suite, name, a.ItemsPerSecond / b.ItemsPerSecond);

    /// <summary>Latency ratio a / b of two cases (a slower gives a value above 1).</summary>
    /// <param name="name">Label.</param>
    /// <param name="a">Numerator case.</param>
    /// <param name="b">Denominator case.</param>
    public static RatioResult Latency(string name, CaseResult a, CaseResult b) => new(a.Suite, name, a.MillisecondsPerItem / b.MillisecondsPerItem);
}

/// <summary>What a suite measured.</summary>
/// <param name="Suite">Suite name.</param>
/// <param name="DataSource">Where the face images came from (real LFW or synthetic random).</param>
/// <param name="Cases">Measured cases.</param>
/// <param name="Ratios">Ratios between cases of this suite.</param>
/// <param name="Notes">Lines printed under the suite's tables.</param>
public sealed record SuiteResult(string Suite, string DataSource, IReadOnlyList<CaseResult> Cases, IReadOnlyList<RatioResult> Ratios, IReadOnlyList<string> Notes);
