namespace SrFace.Benchmarks.Harness;

/// <summary>Parsed command line: <c>[suite] [--quick] [--json FILE] [--data DIR]</c>.</summary>
/// <param name="Suites">Suites to run, in order.</param>
/// <param name="Quick">Fewer repetitions (<see cref="RunProfile.Quick"/>).</param>
/// <param name="JsonPath">Where to write the results as JSON, or null.</param>
/// <param name="LfwImages">The <c>lfw-deepfunneled</c> folder, or null to look for <c>../shared/datasets</c> beside the repository.</param>
public sealed record BenchmarkArguments(IReadOnlyList<string> Suites, bool Quick, string? JsonPath, string? LfwImages)
{
    /// <summary>All suites, in the order <c>all</c> runs them.</summary>
    public static IReadOnlyList<string> KnownSuites { get; } = ["training", "inference", "precision", "loading", "pretrained"];

    /// <summary>Usage text.</summary>
    public const string Usage =
        "usage: dotnet run -c Release --project bench/SrFace.Benchmarks -- [training|inference|precision|loading|pretrained|all|joint] [--quick] [--json FILE] [--data LFW_IMAGES_DIR]";

    /// <summary>Parses the arguments.</summary>
    /// <param name="args">Command-line arguments after <c>--</c>.</param>
    /// <exception cref="ArgumentException">On an unknown suite or option, or an option without its value; the message names it.</exception>
    public static BenchmarkArguments Parse(IReadOnlyList<string> args)
    {
        string? suite = null, json = null, data = null;
        var quick = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--json": json = ValueOf(args, ref i); break;
                case "--data": data = ValueOf(args, ref i); break;
                case var s when !s.StartsWith('-') && suite is null: suite = s; break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }
        suite ??= "all";
        if (suite == "joint") return new BenchmarkArguments(["joint"], quick, json, data); // the training suite's joint rows only (compare.sh)
        if (suite != "all" && !KnownSuites.Contains(suite))
            throw new ArgumentException($"Unknown suite '{suite}'; known: {string.Join(", ", KnownSuites)}, all.");
        return new BenchmarkArguments(suite == "all" ? KnownSuites : [suite], quick, json, data);
    }

    private static string ValueOf(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--")) throw new ArgumentException($"Option '{args[i]}' needs a value.");
        return args[++i];
    }

    /// <summary>
    /// The LFW images folder: <see cref="LfwImages"/> if given, else <c>../shared/datasets/lfw/lfw-deepfunneled</c> beside
    /// the first folder holding <c>SrFace.slnx</c> above the working directory or the program; null when none is found.
    /// </summary>
    public string? ResolveLfwImages()
    {
        if (LfwImages is not null) return Path.GetFullPath(LfwImages);
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "SrFace.slnx")))
                    return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "datasets", "lfw", "lfw-deepfunneled"));
        return null;
    }
}
