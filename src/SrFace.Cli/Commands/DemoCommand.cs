using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Cascade;
using SrFace.Data;
using SrFace.Evaluation;
using SrFace.Runtime;
using SrFace.Training;
using SrFace.Cli.Progress;
using SrFace.Cli.Configuration;

namespace SrFace.Cli.Commands;

/// <summary>
/// <c>srface demo</c>, the main job: within a time budget, trains the joint cascade (SR + recogniser, METHOD.md
/// steps 1-10) and an HR-only recogniser baseline on the LFW DevTrain people, evaluates both on LFW View 1
/// (<c>pairsDevTest.txt</c>, threshold from <c>pairsDevTrain.txt</c>) at several probe resolutions with the three
/// pipelines, calibrates the cascade, prints the sweep table and writes the report with figures.
/// </summary>
internal sealed class DemoCommand : Command<DemoCommand.Settings>
{
    /// <summary>Settings of <c>srface demo</c>.</summary>
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--data <DIR>")]
        [Description("Datasets folder holding lfw/ (default ../shared/datasets).")]
        public string? Data { get; init; }

        [CommandOption("--minutes <M>")]
        [Description("Time budget for the whole demo in minutes (default 10); training takes about 80% of it.")]
        public double Minutes { get; init; } = 10;

        [CommandOption("--out <DIR>")]
        [Description("Demo folder (default runs/demo-<timestamp>).")]
        public string? Out { get; init; }

        [CommandOption("--sr <NAME>")]
        [Description("SR model: srcnn, fsrcnn or srgan (default fsrcnn).")]
        public string Sr { get; init; } = "fsrcnn";

        [CommandOption("--input-size <PX>")]
        [Description("Recogniser input side S (default 64; the sweep probes S/16, S/8, S/4, S).")]
        public int InputSize { get; init; } = 64;

        [CommandOption("--lambda <W>")]
        [Description("Identity weight: the contrastive loss of restored faces also trains the SR model (default 0.1; 0 = the patent's literal variant).")]
        public double Lambda { get; init; } = 0.1;

        [CommandOption("--iterations <N>")]
        [Description("Joint training iterations (default: as many as fit the budget, measured on this machine).")]
        public long? Iterations { get; init; }

        [CommandOption("--baseline-iterations <N>")]
        [Description("Baseline training iterations (default: as many as fit the budget).")]
        public long? BaselineIterations { get; init; }

        [CommandOption("--view2")]
        [Description("Also evaluate LFW View 2 (pairs.txt, 10 folds, trained identities excluded).")]
        public bool View2 { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of weights, batches and degradations (default 1).")]
        public int Seed { get; init; } = 1;

        /// <inheritdoc />
        public override ValidationResult Validate() =>
            Minutes is < 1 or > 24 * 60 ? ValidationResult.Error("--minutes must be between 1 and 1440.")
            : InputSize % 16 != 0 || InputSize < 32 ? ValidationResult.Error("--input-size must be a multiple of 16, at least 32.")
            : Iterations < 1 || BaselineIterations < 1 ? ValidationResult.Error("iteration counts must be >= 1.")
            : Lambda < 0 ? ValidationResult.Error("--lambda must be >= 0.")
            : ValidationResult.Success();
    }

    /// <summary>Share of the budget spent on training; the rest covers data loading and evaluation.</summary>
    private const double TrainingShare = 0.8;

    /// <summary>Share of the training time given to the joint model (the baseline's iterations are cheaper).</summary>
    private const double JointShare = 0.7;

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Console;
        var clock = Stopwatch.StartNew();
        TorchSetup.Initialise();
        var lfw = Path.Combine(DatasetsFolder.Resolve(settings.Data), "lfw");
        var folder = Path.GetFullPath(settings.Out ?? Path.Combine("runs", $"demo-{DateTime.Now:yyyyMMdd-HHmmss}"));
        Directory.CreateDirectory(folder);

        var joint = DemoOptions(settings);
        var baseline = joint with { Mode = TrainingMode.RecognizerOnly };
        var preprocessing = FacePreprocessing.Lfw(joint.InputSize);
        var people = PeopleList.Read(Path.Combine(lfw, "peopleDevTrain.txt"));
        var data = TrainingDataSetup.FromIdentityFolders(Path.Combine(lfw, "lfw-deepfunneled"), people, preprocessing, joint.ImagesPerIdentity, validationFraction: 0);
        console.MarkupLineInterpolated($"[bold]SrFace demo[/]: {settings.Sr} x{joint.Degradation.Scale} + {joint.Recognizer} (w={joint.RecognizerWidth}) at {joint.InputSize} px on LFW DevTrain: {data.Train.Dataset.Identities.Count:N0} people, {data.Train.Dataset.Count:N0} images; folder {folder}");

        var budget = settings.Minutes * 60 * TrainingShare - clock.Elapsed.TotalSeconds;
        var jointIterations = settings.Iterations ?? Plan(joint, data.Train, budget * JointShare, "joint", console);
        var baselineIterations = settings.BaselineIterations ?? Plan(baseline, data.Train, budget * (1 - JointShare), "baseline", console);
        joint = joint with { Stop = new StopConditions(jointIterations) };
        baseline = baseline with { Stop = new StopConditions(baselineIterations) };

        var jointPath = Train(joint, data.Train, Path.Combine(folder, "joint"), preprocessing, console, cancellationToken);
        var baselinePath = Train(baseline, data.Train, Path.Combine(folder, "baseline"), preprocessing, console, cancellationToken);
        if (jointPath is null || baselinePath is null) return 1;

        using var cascade = FaceRecognitionCascade.Load(jointPath);
        using var hrOnly = FaceRecognitionCascade.Load(baselinePath);
        var options = new LfwEvaluationOptions
        {
            PairsFolder = lfw,
            ImagesFolder = Path.Combine(lfw, "lfw-deepfunneled"),
            View1 = true,
            View2 = settings.View2,
            TrainingIdentities = data.Train.Dataset.Identities.ToHashSet(StringComparer.Ordinal),
            CommandLine = "srface " + string.Join(' ', context.Arguments),
            // bf16 scoring is about 2.6x faster than float32 here; the ranking of the pipelines is what the demo shows.
            Benchmark = new LowResolutionBenchmarkOptions { Precision = ComputePrecision.BFloat16 },
        };
        console.MarkupLine("[bold]Evaluating[/] on LFW View 1 (pairsDevTest.txt; threshold from pairsDevTrain.txt)" + (settings.View2 ? " and View 2" : ""));
        var evaluation = Path.Combine(folder, "evaluation");
        var report = LfwEvaluation.Run(cascade, jointPath, hrOnly, baselinePath, options, evaluation);
        if (report.Calibration is { } calibration)
        {
            cascade.Calibrate(calibration.Threshold);
            cascade.Save(jointPath);
        }

        foreach (var protocol in report.Protocols) EvaluateCommand.PrintProtocol(report, protocol);
        PrintVerdict(console, report);
        console.MarkupLineInterpolated($"Report: [bold]{Path.Combine(evaluation, EvaluationReport.MarkdownFile)}[/] (figures beside it)");
        console.MarkupLineInterpolated($"Cascade: [bold]{jointPath}[/]{(report.Calibration is { } c ? $" (threshold {c.Threshold:0.0000})" : "")}; baseline: {baselinePath}");
        console.MarkupLineInterpolated($"Done in {clock.Elapsed.TotalMinutes:0.0} min.");
        return 0;
    }

    /// <summary>The demo's training options: small models that learn within minutes on two cores.</summary>
    internal static JointTrainingOptions DemoOptions(Settings settings) => new()
    {
        SuperResolutionModel = settings.Sr,
        SuperResolutionWidth = settings.Sr == "srgan" ? 32 : null,
        SuperResolutionBlocks = settings.Sr == "srgan" ? 4 : null,
        Recognizer = "face-resnet18",
        RecognizerWidth = 32,
        EmbeddingSize = 128,
        InputSize = settings.InputSize,
        IdentitiesPerBatch = 32,
        ImagesPerIdentity = 2,
        IdentityWeight = settings.Lambda,
        Seed = settings.Seed,
        CheckpointEvery = 100,
    };

    private static long Plan(JointTrainingOptions options, FaceImageLoader images, double seconds, string name, IAnsiConsole console)
    {
        var perIteration = ThroughputProbe.SecondsPerIteration(options, images);
        // At least 10 iterations, so even a tiny budget trains something; the estimate printed is the real one.
        var iterations = Math.Max(10, (long)(seconds / perIteration));
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {perIteration:0.00} s per iteration measured here -> {iterations} iterations, about {iterations * perIteration / 60:0.0} min"));
        return iterations;
    }

    private static string? Train(JointTrainingOptions options, FaceImageLoader images, string runFolder, FacePreprocessing preprocessing, IAnsiConsole console, CancellationToken cancellation)
    {
        var name = options.Mode == TrainingMode.Joint ? "joint" : "baseline";
        console.MarkupLineInterpolated($"[bold]Training {name}[/]: {options.Stop.MaxIterations} iterations of {options.IdentitiesPerBatch} x {options.ImagesPerIdentity} faces -> {runFolder}");
        using var trainer = new JointTrainer(options);
        var result = TrainingConsole.Run(new TrainingRun(options, images, runFolder), trainer, console, 25, resume: false, name, cancellation);
        if (result.Reason is StopReason.NonFiniteLoss or StopReason.Cancelled)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {name} training stopped: {result.Message}. Run folder: {runFolder}");
            return null;
        }
        var path = Path.Combine(runFolder, TrainCommand.CascadeFileName);
        using var cascade = FaceRecognitionCascade.FromTrainer(trainer, preprocessing);
        cascade.Save(path);
        return path;
    }

    private static void PrintVerdict(IAnsiConsole console, EvaluationReport report)
    {
        var view1 = report.View1!;
        var x4 = report.X4ProbeSize;
        var a = view1.Get(RecognitionPipeline.BaselineBicubic, x4);
        var b = view1.Get(RecognitionPipeline.JointBicubic, x4);
        var c = view1.Get(RecognitionPipeline.Cascade, x4);
        string Colour(bool better) => better ? "green" : "red";
        // Accuracy depends on a threshold carried over from DevTrain (training people); AUC and EER do not.
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"At the x4 probe ({x4} px), DevTest: cascade (c) accuracy [{Colour(c.Accuracy > a.Accuracy)}]{c.Accuracy:P1}[/], AUC [{Colour(c.Verification.Auc > a.Verification.Auc)}]{c.Verification.Auc:0.0000}[/], EER {c.Verification.Eer:0.0000}; " +
            $"HR-only recogniser + bicubic (a) {a.Accuracy:P1}, AUC {a.Verification.Auc:0.0000}, EER {a.Verification.Eer:0.0000}; joint recogniser + bicubic (b) {b.Accuracy:P1}, AUC {b.Verification.Auc:0.0000}."));
    }
}
