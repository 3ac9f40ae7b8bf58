namespace SrFace.Runtime;

/// <summary>
/// The CPU model and the instruction-set extensions that decide which oneDNN kernels libtorch runs (AVX2, AVX-512,
/// AVX512_BF16, AMX), as Linux reports them in <c>/proc/cpuinfo</c>.
/// </summary>
/// <param name="Model">The "model name" line, e.g. "AMD EPYC"; "unknown" when not reported.</param>
/// <param name="Vendor">The "vendor_id" line, e.g. "AuthenticAMD"; "unknown" when not reported.</param>
/// <param name="Avx2">AVX2 (flag <c>avx2</c>).</param>
/// <param name="Avx512F">AVX-512 Foundation (flag <c>avx512f</c>).</param>
/// <param name="Avx512Bf16">AVX-512 bfloat16 dot products (flag <c>avx512_bf16</c>).</param>
/// <param name="AmxTile">Intel AMX tiles (flag <c>amx_tile</c>).</param>
/// <param name="AmxBf16">Intel AMX bfloat16 (flag <c>amx_bf16</c>).</param>
public sealed record CpuFeatures(string Model, string Vendor, bool Avx2, bool Avx512F, bool Avx512Bf16, bool AmxTile, bool AmxBf16)
{
    /// <summary>True when the CPU has native bfloat16 arithmetic (AVX512_BF16 or AMX-BF16), so
    /// <see cref="ComputePrecision.BFloat16"/> is fast rather than emulated.</summary>
    public bool SupportsBFloat16 => Avx512Bf16 || AmxBf16;

    /// <summary>The extensions present, space-separated in the kernel's spelling (e.g. "avx2 avx512f avx512_bf16").</summary>
    public string IsaSummary => string.Join(' ', new[] { (Avx2, "avx2"), (Avx512F, "avx512f"), (Avx512Bf16, "avx512_bf16"), (AmxTile, "amx_tile"), (AmxBf16, "amx_bf16") }
        .Where(f => f.Item1).Select(f => f.Item2).DefaultIfEmpty("none"));

    /// <summary>Reads this machine's features from <c>/proc/cpuinfo</c>; off Linux, falls back to .NET's x86 intrinsics checks (model "unknown").</summary>
    /// <returns>The features of the first processor listed.</returns>
    public static CpuFeatures Detect()
    {
        const string path = "/proc/cpuinfo";
        if (File.Exists(path)) return Parse(File.ReadAllText(path));
        return new CpuFeatures("unknown", "unknown", System.Runtime.Intrinsics.X86.Avx2.IsSupported,
            System.Runtime.Intrinsics.X86.Avx512F.IsSupported, false, false, false);
    }

    /// <summary>Parses the text of <c>/proc/cpuinfo</c> (the first processor's block is enough: all cores match).</summary>
    /// <param name="cpuinfo">The file's text.</param>
    /// <returns>The features; all false and "unknown" names when the text has no such lines.</returns>
    public static CpuFeatures Parse(string cpuinfo)
    {
        ArgumentNullException.ThrowIfNull(cpuinfo);
        string? model = null, vendor = null;
        var flags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in cpuinfo.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (key == "model name") model ??= value;
            else if (key == "vendor_id") vendor ??= value;
            else if (key is "flags" or "Features" && flags.Count == 0) flags.UnionWith(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        return new CpuFeatures(model ?? "unknown", vendor ?? "unknown", flags.Contains("avx2"), flags.Contains("avx512f"),
            flags.Contains("avx512_bf16"), flags.Contains("amx_tile"), flags.Contains("amx_bf16"));
    }
}
