using System.Text.Json;
using System.Text.Json.Serialization;
using SrFace.Runtime;

namespace SrFace.Benchmarks.Harness;

/// <summary>Everything one benchmark run measured, with the machine and load it ran under; written by <c>--json</c>.</summary>
/// <param name="StartedUtc">Start time, UTC.</param>
/// <param name="Command">The arguments given.</param>
/// <param name="Profile">Repetition counts.</param>
/// <param name="Runtime">Machine and library versions (<see cref="RuntimeInfo"/>).</param>
/// <param name="LoadBefore">Load average when the run started.</param>
/// <param name="LoadAfter">Load average when it ended.</param>
/// <param name="ElapsedSeconds">Wall-clock duration of the whole run.</param>
/// <param name="Suites">Suite results.</param>
public sealed record BenchmarkReport(
    DateTime StartedUtc, string Command, RunProfile Profile, RuntimeInfo Runtime,
    MachineLoad? LoadBefore, MachineLoad? LoadAfter, double ElapsedSeconds, IReadOnlyList<SuiteResult> Suites)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Writes the report as indented JSON; each case also carries its derived median, spread and throughput.</summary>
    /// <param name="path">Target file (its folder is created).</param>
    /// <exception cref="IOException">When the file cannot be written.</exception>
    public void WriteJson(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var flat = new
        {
            StartedUtc, Command, Profile, Runtime, LoadBefore, LoadAfter, ElapsedSeconds,
            Suites = Suites.Select(s => new
            {
                s.Suite, s.DataSource, s.Notes,
                Cases = s.Cases.Select(c => new
                {
                    c.Case, c.Size, c.Precision, c.ItemsPerRun, c.Unit,
                    MedianSeconds = c.Timing.Median, MinSeconds = c.Timing.Min, MaxSeconds = c.Timing.Max,
                    c.Timing.RelativeSpread, c.ItemsPerSecond, c.MillisecondsPerItem, c.Timing.Seconds,
                    Parts = c.Parts?.Select(p => new { p.Part, MedianSeconds = p.Timing.Median, MinSeconds = p.Timing.Min, CpuMedianSeconds = p.Cpu.Median }),
                }),
                Ratios = s.Ratios.Select(r => new { r.Name, r.Value }),
            }),
        };
        File.WriteAllText(full, JsonSerializer.Serialize(flat, Json));
    }
}
