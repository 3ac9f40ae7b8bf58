namespace SrFace.Benchmarks.Service;

/// <summary><c>--name value</c> options of the service benchmarks.</summary>
internal sealed class ServiceArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public ServiceArguments(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
                throw new ArgumentException($"Expected --option VALUE; got '{args[i]}'.");
            _values[args[i][2..]] = args[++i];
        }
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public int[] Ints(string name, int[] fallback) =>
        Get(name) is { } s ? s.Split(',').Select(v => int.Parse(v.Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray() : fallback;

    public int Int(string name, int fallback) => Ints(name, [fallback])[0];

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
