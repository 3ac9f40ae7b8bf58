// Benchmarks: `dotnet run -c Release --project bench/SrFace.Benchmarks -- [training|inference|precision|loading|pretrained|detection|detection-reach|all|joint] [--quick] [--repetitions N] [--json FILE]`,
// or `-- gallery [--sizes 1000,100000,1000000]` / `-- http --model M [--clients 1,4,16]` (the service benchmarks).
// See docs/benchmarks.md for what each suite measures and the figures of the last full run.
using System.Diagnostics;
using Spectre.Console;
using SrFace.Benchmarks.Harness;
using SrFace.Benchmarks.Suites;
using SrFace.Runtime;

// Service benchmarks (issue 11): gallery search (SQLite exact vs pgvector HNSW) and HTTP load; they need no torch warm-up.
if (args.Length > 0 && args[0] is "gallery" or "http")
{
    if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 150;
    try
    {
        return args[0] == "gallery"
            ? SrFace.Benchmarks.Service.GallerySearchBench.Run(args[1..])
            : await SrFace.Benchmarks.Service.HttpLoadBench.RunAsync(args[1..]);
    }
    catch (ArgumentException e)
    {
        AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
        return 2;
    }
}

BenchmarkArguments arguments;
try
{
    arguments = BenchmarkArguments.Parse(args);
}
catch (ArgumentException e)
{
    AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
    Console.Error.WriteLine(BenchmarkArguments.Usage);
    return 2;
}

TorchSetup.Initialise(); // intra-op threads = core count
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 150; // keep table rows on one line in logs
var profile = arguments.Profile;
var runner = new StopwatchRunner(profile);
var started = DateTime.UtcNow;
var clock = Stopwatch.StartNew();
var loadBefore = MachineLoad.Read();
var runtime = RuntimeInfo.Collect();
ReportTables.WriteMachine(runtime, loadBefore, profile);

var faces = new FaceBatches(arguments.ResolveLfwImages(), BenchmarkModels.Identities, BenchmarkModels.PerIdentity);
AnsiConsole.MarkupLine($"data: {Markup.Escape(faces.Source)}");
void Progress(string message) => AnsiConsole.MarkupLine($"[grey]{clock.Elapsed:mm\\:ss} {Markup.Escape(message)}[/]");

var results = new List<SuiteResult>();
foreach (var suite in arguments.Suites)
{
    var result = suite switch
    {
        TrainingSuite.Name => TrainingSuite.Run(runner, faces, Progress),
        TrainingSuite.JointName => TrainingSuite.RunJoint(runner, faces, Progress, arguments.JointModels, arguments.Breakdown),
        LoadingSuite.Name => LoadingSuite.Run(runner, faces, Progress),
        InferenceSuite.Name => InferenceSuite.Run(runner, faces, Progress),
        PrecisionSuite.Name => PrecisionSuite.Run(runner, faces, Progress),
        PretrainedSuite.Name => PretrainedSuite.Run(runner, faces, Progress),
        DetectionSuite.Name => DetectionSuite.Run(runner, faces, Progress),
        DetectionReachSuite.Name => DetectionReachSuite.Run(arguments.ResolveLfwImages(), Progress),
        _ => throw new UnreachableException($"suite {suite}"),
    };
    ReportTables.WriteSuite(result);
    results.Add(result);
}

var loadAfter = MachineLoad.Read();
AnsiConsole.MarkupLine($"done in {clock.Elapsed:mm\\:ss}; load average before {loadBefore?.ToString() ?? "unknown"}, after {loadAfter?.ToString() ?? "unknown"}");
if (arguments.JsonPath is { } json)
{
    new BenchmarkReport(started, string.Join(' ', args), profile, runtime, loadBefore, loadAfter, clock.Elapsed.TotalSeconds, results).WriteJson(json);
    AnsiConsole.MarkupLine($"results written to {Markup.Escape(Path.GetFullPath(json))}");
}
return 0;
