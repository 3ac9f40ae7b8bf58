using SrFace.Degradation;
using SrFace.Runtime;

namespace SrFace.Evaluation;

/// <summary>Settings of <see cref="LowResolutionBenchmark"/>.</summary>
/// <remarks>
/// The probe (second) image of every pair is degraded with <see cref="Degradation"/> to exactly
/// <c>p x p</c> pixels for each probe size p (its target size is replaced per probe; blur, noise and JPEG apply as
/// set, none by default: plain bicubic antialiased downsampling). Randomness is seeded by <see cref="Seed"/> and the
/// batch position, so every pipeline sees the same probe pixels and reruns are identical.
/// </remarks>
public sealed record LowResolutionBenchmarkOptions
{
    /// <summary>Probe sides in pixels (each in [1, S]); null means <see cref="DefaultProbeSizes"/> of the model's S.</summary>
    public IReadOnlyList<int>? ProbeSizes { get; init; }

    /// <summary>Degradation of the probes (target size set per probe); default: bicubic antialiased only.</summary>
    public DegradationOptions Degradation { get; init; } = new();

    /// <summary>Seed of the probe degradation.</summary>
    public int Seed { get; init; } = 20211102;

    /// <summary>Pairs per forward pass (each pass embeds this many HR and probe faces), at least 1.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// Compute precision of both models while scoring (restored afterwards), or null to keep the models' own (float32
    /// after loading). BFloat16 is about 3x faster on this CPU and moves cosines by about 1e-3.
    /// </summary>
    public ComputePrecision? Precision { get; init; }

    /// <summary>FARs for TAR@FAR; <see cref="VerificationReport.DefaultFars"/> when null.</summary>
    public IReadOnlyList<double>? TargetFars { get; init; }

    /// <summary>
    /// The default sweep for input side S: S/16, S/8, S/4, S/2 and S (x16, x8, x4, x2, x1), each rounded up, e.g. 10,
    /// 19, 38, 75, 150 for S = 150 (the sizes the face-api reference was measured at), 7, 14, 28, 56, 112 for S = 112 and
    /// 4, 8, 16, 32, 64 for S = 64.
    /// </summary>
    /// <param name="inputSize">Recogniser input side S in pixels, at least 1.</param>
    /// <returns>Distinct ascending probe sides.</returns>
    public static IReadOnlyList<int> DefaultProbeSizes(int inputSize) =>
        new[] { 16, 8, 4, 2, 1 }.Select(s => (int)Math.Ceiling(inputSize / (double)s)).Where(p => p >= 1).Distinct().Order().ToArray();

    /// <summary>The probe sizes to run for input side S: <see cref="ProbeSizes"/> (sorted, distinct) or the defaults.</summary>
    /// <param name="inputSize">Recogniser input side S in pixels.</param>
    /// <returns>Ascending probe sides.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When a probe size is outside [1, S] or the list is empty.</exception>
    public IReadOnlyList<int> ResolveProbeSizes(int inputSize)
    {
        var sizes = (ProbeSizes ?? DefaultProbeSizes(inputSize)).Distinct().Order().ToArray();
        if (sizes.Length == 0) throw new ArgumentOutOfRangeException(nameof(ProbeSizes), "At least one probe size is needed.");
        foreach (var p in sizes)
            if (p < 1 || p > inputSize)
                throw new ArgumentOutOfRangeException(nameof(ProbeSizes), p, $"Probe size {p} px is outside 1..{inputSize} px: a probe size must be between 1 and the model's input size S = {inputSize} px.");
        return sizes;
    }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When <see cref="BatchSize"/> is below 1 or the degradation is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        Degradation.Validate();
    }
}
