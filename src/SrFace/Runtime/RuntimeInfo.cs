using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace SrFace.Runtime;

/// <summary>
/// What this process computes with: TorchSharp and libtorch versions, torch's intra-op thread count, the CPU and its
/// instruction-set extensions, the OS and .NET. Printed by <c>srface doctor</c> and worth saving with every run, since
/// speed and even correctness (see <see cref="ConvGradientCheck"/>) depend on them.
/// </summary>
/// <param name="TorchSharpVersion">The TorchSharp assembly's informational version, e.g. "0.107.0".</param>
/// <param name="LibTorchVersion">libtorch's <c>torch.__version__</c>, e.g. "2.10.0+cpu".</param>
/// <param name="TorchThreads">torch's intra-op threads (<c>torch.get_num_threads()</c>).</param>
/// <param name="ProcessorCount">Logical processors available to this process.</param>
/// <param name="Cpu">CPU model and ISA extensions.</param>
/// <param name="OperatingSystem">OS description, e.g. "Debian GNU/Linux 12".</param>
/// <param name="DotNetVersion">.NET runtime description, e.g. ".NET 10.0.0".</param>
public sealed record RuntimeInfo(
    string TorchSharpVersion, string LibTorchVersion, int TorchThreads, int ProcessorCount,
    CpuFeatures Cpu, string OperatingSystem, string DotNetVersion)
{
    /// <summary>Collects the figures of the running process (loads libtorch if it is not loaded yet).</summary>
    /// <returns>The runtime description.</returns>
    public static RuntimeInfo Collect()
    {
        var assembly = typeof(torch).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                      ?? assembly.GetName().Version?.ToString() ?? "unknown";
        var plus = version.IndexOf('+'); // drop the source-commit suffix
        if (plus > 0) version = version[..plus];
        return new RuntimeInfo(version, torch.__version__, torch.get_num_threads(), Environment.ProcessorCount,
            CpuFeatures.Detect(), RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription);
    }

    /// <summary>The figures as (name, value) rows, in display order.</summary>
    public IReadOnlyList<(string Name, string Value)> Rows =>
    [
        ("TorchSharp", TorchSharpVersion),
        ("libtorch", LibTorchVersion),
        ("torch threads", $"{TorchThreads} of {ProcessorCount} logical processors"),
        ("CPU", $"{Cpu.Model} ({Cpu.Vendor})"),
        ("ISA", Cpu.IsaSummary),
        ("bfloat16", Cpu.SupportsBFloat16 ? "native (avx512_bf16 / amx_bf16)" : "emulated (slow)"),
        ("OS", OperatingSystem),
        (".NET", DotNetVersion),
    ];
}
