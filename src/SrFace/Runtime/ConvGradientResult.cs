namespace SrFace.Runtime;

/// <summary>Memory layout a convolution is checked in.</summary>
public enum ConvLayout
{
    /// <summary>NHWC strides for input, weights and upstream gradient (how SrFace trains).</summary>
    ChannelsLast,

    /// <summary>PyTorch's default contiguous NCHW (wrong input gradients on some CPUs; checked only to show the trap).</summary>
    Nchw,
}

/// <summary>One convolution shape to check: <c>InChannels -> OutChannels</c> with a square odd kernel, stride 1, 'same' padding.</summary>
/// <param name="InChannels">Input channels C_in, at least 1.</param>
/// <param name="OutChannels">Output channels C_out, at least 1.</param>
/// <param name="KernelSize">Kernel side k, odd, at least 1; padding is k / 2 ('same').</param>
public sealed record ConvCase(int InChannels, int OutChannels, int KernelSize)
{
    /// <inheritdoc />
    public override string ToString() => $"{InChannels}->{OutChannels} {KernelSize}x{KernelSize}";
}

/// <summary>How far a float32 result is from its float64 reference (worst over all repeats).</summary>
/// <param name="MaxAbsError">max |float32 - float64| over all elements; NaN when the float32 result has NaN.</param>
/// <param name="RelativeError">MaxAbsError / max |float64| (a norm-wise relative error, stable where the reference is near 0).</param>
public sealed record ErrorFigures(double MaxAbsError, double RelativeError)
{
    /// <summary>True when <see cref="RelativeError"/> is at most <paramref name="tolerance"/> (false for NaN).</summary>
    /// <param name="tolerance">The allowed relative error.</param>
    public bool Within(double tolerance) => RelativeError <= tolerance;

    /// <summary>The worse of two figures (NaN counts as worst).</summary>
    /// <param name="other">The other figures.</param>
    public ErrorFigures Worst(ErrorFigures other) => new(WorseOf(MaxAbsError, other.MaxAbsError), WorseOf(RelativeError, other.RelativeError));

    private static double WorseOf(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : Math.Max(a, b);
}

/// <summary>The result of checking one <see cref="ConvCase"/> in one layout over several repeats.</summary>
/// <param name="Case">The convolution checked.</param>
/// <param name="Layout">The memory layout it ran in.</param>
/// <param name="Repeats">How many random inputs were tried.</param>
/// <param name="FailedRepeats">How many of those had any error above the tolerance.</param>
/// <param name="Output">Worst forward-output error.</param>
/// <param name="InputGradient">Worst error of dL/dx (the one the oneDNN NCHW bug corrupts).</param>
/// <param name="WeightGradient">Worst error of dL/dW.</param>
/// <param name="Tolerance">The relative tolerance applied.</param>
public sealed record ConvCaseResult(
    ConvCase Case, ConvLayout Layout, int Repeats, int FailedRepeats,
    ErrorFigures Output, ErrorFigures InputGradient, ErrorFigures WeightGradient, double Tolerance)
{
    /// <summary>True when every repeat had every error within the tolerance.</summary>
    public bool Passed => FailedRepeats == 0;
}

/// <summary>Settings of <see cref="ConvGradientCheck"/>.</summary>
/// <param name="Batch">Batch size N of the random input, at least 1.</param>
/// <param name="Size">Spatial side (H = W) of the random input in pixels, at least 1.</param>
/// <param name="Repeats">Random inputs per case (the bug is intermittent), at least 1.</param>
/// <param name="Tolerance">Allowed norm-wise relative error of float32 against float64 (float32 conv is ~1e-6).</param>
/// <param name="Seed">Seed of the random inputs, weights and upstream gradients.</param>
public sealed record ConvGradientCheckOptions(int Batch = 4, int Size = 24, int Repeats = 5, double Tolerance = 1e-3, long Seed = 20210728)
{
    /// <summary>The convolutions SrFace's models use: FSRCNN (d = 56, s = 12) feature extraction, mapping and shrinking, and a ResNet-like 32-wide block.</summary>
    public static IReadOnlyList<ConvCase> DefaultCases { get; } =
        [new(3, 56, 5), new(12, 12, 3), new(56, 12, 3), new(32, 32, 3)];

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When a setting is out of range.</exception>
    public void Validate()
    {
        if (Batch < 1) throw new ArgumentOutOfRangeException(nameof(Batch), $"Batch must be at least 1; got {Batch}.");
        if (Size < 1) throw new ArgumentOutOfRangeException(nameof(Size), $"Size must be at least 1; got {Size}.");
        if (Repeats < 1) throw new ArgumentOutOfRangeException(nameof(Repeats), $"Repeats must be at least 1; got {Repeats}.");
        if (!(Tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(Tolerance), $"Tolerance must be positive; got {Tolerance}.");
    }
}
