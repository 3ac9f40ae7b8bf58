namespace SrFace.Benchmarks.Harness;

/// <summary>Parsed command line: <c>[suite] [--quick] [--repetitions N] [--json FILE] [--data DIR] [--breakdown] [--models scratch|pretrained ...]</c>.</summary>
/// <param name="Suites">Suites to run, in order.</param>
/// <param name="Quick">Fewer repetitions (<see cref="RunProfile.Quick"/>).</param>
/// <param name="JsonPath">Where to write the results as JSON, or null.</param>
/// <param name="LfwImages">The <c>lfw-deepfunneled</c> folder, or null to look for <c>../shared/datasets</c> beside the repository.</param>
/// <param name="Repetitions">Timed repetitions of every case instead of the profile's (a check that a suite runs), or null.</param>
/// <param name="Breakdown">The joint suite also times each part of the training step (<see cref="StepBreakdown"/>).</param>
/// <param name="JointModels">The joint suite's set-ups to run, "scratch" and/or "pretrained" (bench/pytorch/joint_step.py's <c>--models</c>); null: both.</param>
public sealed record BenchmarkArguments(IReadOnlyList<string> Suites, bool Quick, string? JsonPath, string? LfwImages, int? Repetitions = null,
    bool Breakdown = false, IReadOnlyList<string>? JointModels = null)
{
    /// <summary>The joint suite's set-ups, as <see cref="JointModels"/> names them.</summary>
    public static IReadOnlyList<string> KnownJointModels { get; } = ["scratch", "pretrained"];

    /// <summary>All suites, in the order <c>all</c> runs them.</summary>
    public static IReadOnlyList<string> KnownSuites { get; } = ["training", "inference", "precision", "loading", "pretrained", "detection", "detection-reach"];

    /// <summary>Usage text.</summary>
    public const string Usage =
        "usage: dotnet run -c Release --project bench/SrFace.Benchmarks -- [training|inference|precision|loading|pretrained|detection|detection-reach|all|joint] [--quick] [--repetitions N] [--json FILE] [--data LFW_IMAGES_DIR] [--breakdown] [--models scratch|pretrained ...]";

    /// <summary>Parses the arguments.</summary>
    /// <param name="args">Command-line arguments after <c>--</c>.</param>
    /// <exception cref="ArgumentException">On an unknown suite or option, or an option without its value; the message names it.</exception>
    public static BenchmarkArguments Parse(IReadOnlyList<string> args)
    {
        string? suite = null, json = null, data = null;
        var quick = false;
        var breakdown = false;
        List<string>? models = null;
        int? repetitions = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--breakdown": breakdown = true; break;
                case "--models":
                    models = [];
                    while (i + 1 < args.Count && !args[i + 1].StartsWith('-'))
                        models.Add(KnownJointModels.Contains(args[++i]) ? args[i] : throw new ArgumentException($"--models takes {string.Join(" and/or ", KnownJointModels)}; got '{args[i]}'."));
                    if (models.Count == 0) throw new ArgumentException("Option '--models' needs a value.");
                    break;
                case "--json": json = ValueOf(args, ref i); break;
                case "--data": data = ValueOf(args, ref i); break;
                case "--repetitions":
                    var value = ValueOf(args, ref i);
                    repetitions = int.TryParse(value, out var n) && n >= 1 ? n : throw new ArgumentException($"--repetitions needs a whole number >= 1; got '{value}'.");
                    break;
                case var s when !s.StartsWith('-') && suite is null: suite = s; break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }
        suite ??= "all";
        if (suite == "joint") return new BenchmarkArguments(["joint"], quick, json, data, repetitions, breakdown, models); // the training suite's joint rows only (compare.sh)
        if (breakdown || models is not null) throw new ArgumentException("--breakdown and --models apply to the joint suite only.");
        if (suite != "all" && !KnownSuites.Contains(suite))
            throw new ArgumentException($"Unknown suite '{suite}'; known: {string.Join(", ", KnownSuites)}, all.");
        return new BenchmarkArguments(suite == "all" ? KnownSuites : [suite], quick, json, data, repetitions);
    }

    /// <summary>The repetition counts in force: <see cref="RunProfile.Quick"/> or <see cref="RunProfile.Full"/>, with <see cref="Repetitions"/> timed runs when given.</summary>
    public RunProfile Profile
    {
        get
        {
            var profile = Quick ? RunProfile.Quick : RunProfile.Full;
            return Repetitions is { } n ? profile with { StepRepetitions = n, LatencyRepetitions = n } : profile;
        }
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
