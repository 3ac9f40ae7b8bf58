namespace SrFace.Benchmarks.Harness;

/// <summary>The system load average (Linux <c>/proc/loadavg</c>), recorded because the machine is shared and load moves the figures.</summary>
/// <param name="OneMinute">1-minute load average.</param>
/// <param name="FiveMinutes">5-minute load average.</param>
/// <param name="FifteenMinutes">15-minute load average.</param>
public sealed record MachineLoad(double OneMinute, double FiveMinutes, double FifteenMinutes)
{
    /// <summary>Reads the current load, or null where <c>/proc/loadavg</c> does not exist or cannot be parsed.</summary>
    public static MachineLoad? Read()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return new MachineLoad(double.Parse(parts[0]), double.Parse(parts[1]), double.Parse(parts[2]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{OneMinute:0.00} / {FiveMinutes:0.00} / {FifteenMinutes:0.00} (1 / 5 / 15 min)";
}
