using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Cascade;
using SrFace.Evaluation;
using SrFace.Cli.Configuration;

namespace SrFace.Cli.Commands;

/// <summary>
/// <c>srface evaluate --model M [--baseline B] ...</c>: the LFW low-resolution sweep (<see cref="LfwEvaluation"/>):
/// prints the sweep tables, writes the report to <c>--out</c> and, with <c>--calibrate</c>, stores the View 1
/// threshold in the model file.
/// </summary>
internal sealed class EvaluateCommand : Command<EvaluateCommand.Settings>
{
    /// <summary>Options of <c>srface evaluate</c>.</summary>
    public sealed class Settings : ModelSettings
    {
        /// <summary>Centred-crop fraction overriding the model's.</summary>
        [CommandOption("--crop-fraction <F>")]
        [Description("Face crop as a fraction of the shorter image side, in (0, 1]] (default: the model's).")]
        public double? CropFraction { get; init; }

        /// <summary>The HR-only recogniser, for pipeline (a).</summary>
        [CommandOption("--baseline <FILE>")]
        [Description("Recogniser-only model trained on HR faces (pipeline (a)); without it (a) is skipped.")]
        public string? Baseline { get; init; }

        /// <summary>The datasets folder.</summary>
        [CommandOption("--data <DIR>")]
        [Description("Datasets folder holding lfw/ (default: ../shared/datasets if present).")]
        public string? Data { get; init; }

        /// <summary>view1, view2 or both.</summary>
        [CommandOption("--protocol <NAME>")]
        [Description("view1, view2 or both (default both).")]
        public string Protocol { get; init; } = "both";

        /// <summary>Comma-separated probe sides.</summary>
        [CommandOption("--probe-sizes <LIST>")]
        [Description("Probe sides in px, e.g. 4,8,16,64 (default S/16, S/8, S/4, S).")]
        public string? ProbeSizes { get; init; }

        /// <summary>People the models were trained on.</summary>
        [CommandOption("--train-people <FILE>")]
        [Description("People the models were trained on (LFW people list or one name per line; default lfw/peopleDevTrain.txt for a trained cascade, 'none' for a pretrained recogniser; 'none' skips the checks).")]
        public string? TrainPeople { get; init; }

        /// <summary>Report folder.</summary>
        [CommandOption("--out <DIR>")]
        [Description("Report folder (default: evaluation/ next to the model).")]
        public string? Out { get; init; }

        /// <summary>Faces for the SR quality table.</summary>
        [CommandOption("--sr-faces <N>")]
        [Description("Held-out DevTest faces for the SR quality table (default 200, 0 to skip).")]
        public int SrFaces { get; init; } = 200;

        /// <summary>Score in bfloat16.</summary>
        [CommandOption("--bf16")]
        [Description("Run the models in bfloat16 while scoring (about 3x faster; cosines move by about 1e-3).")]
        public bool Bf16 { get; init; }

        /// <summary>Write the View 1 threshold into the model.</summary>
        [CommandOption("--calibrate")]
        [Description("Write the View 1 calibration threshold into the model file.")]
        public bool Calibrate { get; init; }

        public override ValidationResult Validate()
        {
            if (CropFraction is { } c && !(c > 0 && c <= 1)) return ValidationResult.Error($"--crop-fraction must be in (0, 1]; got {c}.");
            if (Calibrate && ModelSource.IsPretrained(Model)) return ValidationResult.Error($"--calibrate writes into a model file; '{ModelSource.Name(Model)}' is a pretrained recogniser (its threshold is part of the catalogue).");
            if (Protocol is not ("view1" or "view2" or "both")) return ValidationResult.Error($"--protocol must be view1, view2 or both; got '{Protocol}'.");
            if (Calibrate && Protocol == "view2") return ValidationResult.Error("--calibrate needs View 1 (--protocol view1 or both).");
            if (SrFaces < 0) return ValidationResult.Error("--sr-faces must be >= 0.");
            try { ParseProbeSizes(ProbeSizes); }
            catch (FormatException e) { return ValidationResult.Error(e.Message); }
            return ValidationResult.Success();
        }
    }

    /// <summary>Parses <c>4,8,16,64</c>; null for null/empty.</summary>
    /// <exception cref="FormatException">When an entry is not a positive integer.</exception>
    internal static int[]? ParseProbeSizes(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Split(',', StringSplitOptions.TrimEntries).Select(t =>
            int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v
                : throw new FormatException($"--probe-sizes: '{t}' is not a positive whole number of pixels (expected e.g. 4,8,16,64).")).ToArray();

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var lfw = Path.Combine(DatasetsFolder.Resolve(settings.Data), "lfw");
        var modelName = ModelSource.Name(settings.Model);
        using var joint = ModelSource.Load(settings.Model, settings.Models);
        using var baseline = settings.Baseline is null ? null : ModelSource.Load(settings.Baseline, settings.Models);
        if (settings.CropFraction is { } crop)
            foreach (var model in new[] { joint, baseline }.OfType<FaceRecognitionCascade>())
                model.UsePreprocessing(model.Preprocessing with { CropFraction = crop, CropPixels = null });
        // A pretrained recogniser was not trained on LFW people: nothing to exclude unless the user says otherwise.
        var trainPeople = settings.TrainPeople ?? (ModelSource.IsPretrained(settings.Model) ? "none" : Path.Combine(lfw, "peopleDevTrain.txt"));
        var trained = trainPeople == "none" ? null : ProtocolGuard.ReadIdentities(trainPeople);
        var output = settings.Out ?? (ModelSource.IsPretrained(settings.Model)
            ? Path.Combine("runs", $"pretrained-{modelName}", "evaluation")
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelName))!, "evaluation"));
        var options = new LfwEvaluationOptions
        {
            PairsFolder = lfw,
            ImagesFolder = Path.Combine(lfw, "lfw-deepfunneled"),
            View1 = settings.Protocol != "view2",
            View2 = settings.Protocol != "view1",
            TrainingIdentities = trained,
            Benchmark = new LowResolutionBenchmarkOptions
            {
                ProbeSizes = ParseProbeSizes(settings.ProbeSizes),
                Precision = settings.Bf16 ? SrFace.Runtime.ComputePrecision.BFloat16 : null,
            },
            SrQualityFaces = settings.SrFaces,
            CommandLine = "srface " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1).Select(a => a.Contains(' ') ? $"\"{a}\"" : a)),
        };
        AnsiConsole.MarkupLineInterpolated($"Evaluating [bold]{modelName}[/]{(baseline is null ? " (no baseline: pipeline (a) skipped)" : $" against baseline {settings.Baseline}")}, S = {joint.InputSize}");
        var report = LfwEvaluation.Run(joint, modelName, baseline, settings.Baseline, options, output,
            new Progress(text => AnsiConsole.MarkupLineInterpolated($"[grey]{text}[/]")));

        foreach (var protocol in report.Protocols) PrintProtocol(report, protocol);
        AnsiConsole.MarkupLineInterpolated($"Report: {Path.Combine(output, EvaluationReport.MarkdownFile)} ({report.ElapsedSeconds:0.0} s)");
        if (report.Calibration is { } calibration)
        {
            var devTrain = report.View1?.Get(RecognitionPipeline.Cascade, calibration.ProbeSize).ThresholdSetAccuracy;
            AnsiConsole.MarkupLineInterpolated($"Calibration threshold: {calibration.Threshold:0.0000} (View 1 DevTrain, pipeline (c) at {calibration.ProbeSize} px; DevTrain accuracy at it {devTrain:0.0000})");
            if (settings.Calibrate)
            {
                joint.Calibrate(calibration.Threshold);
                joint.Save(modelName);
                AnsiConsole.MarkupLineInterpolated($"[green]Wrote the threshold into {modelName}.[/]");
            }
        }
        return 0;
    }

    internal static void PrintProtocol(EvaluationReport report, ProtocolResult protocol)
    {
        var view2 = protocol.Protocol == "View 2";
        var table = new Table().Title($"LFW {protocol.Protocol}: {protocol.EvaluatedPairs} pairs" + (view2 ? $" (accuracy mean ± std over {protocol.Results[0].Verification.Folds.Count} folds)" : " (DevTrain threshold on DevTest)"));
        var fars = protocol.Results[0].Verification.TarAtFar.Keys.Order().ToArray();
        table.AddColumns("probe", "pipeline", "accuracy", "AUC", "EER");
        foreach (var far in fars) table.AddColumn(string.Create(CultureInfo.InvariantCulture, $"TAR@FAR={far:0.###E+0}"));
        foreach (var size in report.ProbeSizes)
            foreach (var pipeline in protocol.TestScores.Pipelines)
            {
                var r = protocol.Get(pipeline, size);
                var cells = new List<string> { $"{size} px", Markup.Escape(pipeline.Label()), EvaluationMarkdown.Accuracy(r, view2),
                    r.Verification.Auc.ToString("0.0000", CultureInfo.InvariantCulture), r.Verification.Eer.ToString("0.0000", CultureInfo.InvariantCulture) };
                cells.AddRange(fars.Select(f => Markup.Escape(EvaluationMarkdown.Tar(r.Verification.TarAtFar[f]))));
                table.AddRow(cells.ToArray());
            }
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine(protocol.Statement);
    }

    /// <summary>Prints one line per phase step (every 10 batches) without a live display, so logs stay readable.</summary>
    private sealed class Progress(Action<string> write) : IProgress<(string Phase, int Done)>
    {
        private string _phase = "";
        private int _last;

        public void Report((string Phase, int Done) value)
        {
            if (value.Phase != _phase) (_phase, _last) = (value.Phase, 0);
            if (value.Done - _last < 640) return;
            _last = value.Done;
            write($"{value.Phase}: {value.Done} pairs");
        }
    }
}
