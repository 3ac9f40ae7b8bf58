using System.Globalization;
using System.Text.Json;

namespace SrFace.Training;

/// <summary>
/// One line per training iteration in <c>metrics.jsonl</c> (JSON Lines): the iteration, the named losses, learning
/// rates and throughput. On resume the log is cut back to the checkpoint's iteration so that a resumed run's log is
/// line for line the one an uninterrupted run writes (apart from the wall-clock columns).
/// </summary>
public sealed class MetricsLog : IDisposable
{
    private readonly StreamWriter _writer;

    /// <summary>Opens (appending) the log at <paramref name="path"/>, first dropping every line whose iteration is at or past <paramref name="resumeIteration"/>.</summary>
    /// <param name="path">The <c>metrics.jsonl</c> file.</param>
    /// <param name="resumeIteration">The first iteration this run will log (0 for a new run: the file is emptied).</param>
    /// <exception cref="IOException">When the file cannot be read or written.</exception>
    public MetricsLog(string path, long resumeIteration)
    {
        Path = path;
        var kept = resumeIteration > 0 && File.Exists(path)
            ? File.ReadLines(path).Where(line => IterationOf(line) is { } i && i < resumeIteration).ToList()
            : [];
        AtomicFile.WriteText(path, kept.Count == 0 ? "" : string.Join('\n', kept) + "\n");
        _writer = new StreamWriter(path, append: true) { AutoFlush = true };
    }

    /// <summary>The log file.</summary>
    public string Path { get; }

    /// <summary>Appends one record: <c>{"iteration": i, name: value, ...}</c> (non-finite values are written as strings).</summary>
    /// <param name="iteration">0-based iteration.</param>
    /// <param name="values">Named values (losses, learning rates, images per second).</param>
    public void Append(long iteration, IReadOnlyDictionary<string, double> values)
    {
        var record = new Dictionary<string, object> { ["iteration"] = iteration };
        foreach (var (k, v) in values) record[k] = double.IsFinite(v) ? Math.Round(v, 7) : v.ToString(CultureInfo.InvariantCulture);
        _writer.WriteLine(JsonSerializer.Serialize(record));
    }

    /// <summary>Reads every record of a log (for reports and tests).</summary>
    /// <param name="path">A <c>metrics.jsonl</c> file.</param>
    /// <returns>One dictionary per line: name to value (non-numeric values as NaN).</returns>
    /// <exception cref="InvalidDataException">When a line is not a JSON object.</exception>
    public static IReadOnlyList<Dictionary<string, double>> Read(string path)
    {
        var rows = new List<Dictionary<string, double>>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                rows.Add(doc.RootElement.EnumerateObject().ToDictionary(
                    p => p.Name, p => p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : double.NaN));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: not a metrics record ({e.Message}).", e);
            }
        }
        return rows;
    }

    /// <inheritdoc />
    public void Dispose() => _writer.Dispose();

    private static long? IterationOf(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.TryGetProperty("iteration", out var it) ? it.GetInt64() : null;
        }
        catch (JsonException)
        {
            return null; // a line torn by a kill mid-write is dropped
        }
    }
}
