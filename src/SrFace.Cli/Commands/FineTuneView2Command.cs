using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Cli.Configuration;
using SrFace.Evaluation;
using SrFace.Runtime;
using SrFace.Training;

namespace SrFace.Cli.Commands;

/// <summary>
/// <c>srface finetune-view2 --out DIR</c>: the LFW View 2 benchmark of issue 9 (<see cref="View2FineTuning"/>): ten
/// fine-tunings of the pretrained dlib-resnet, fold k's model fine-tuned without fold k's people, scored with pipelines
/// (a), (b), (c) at S/16..S; accuracy mean +- std, AUC, TAR@FAR. Resumable: run the same command again to continue.
/// </summary>
internal sealed class FineTuneView2Command : Command<FineTuneView2Command.Settings>
{
    /// <summary>Settings of <c>srface finetune-view2</c>.</summary>
    public sealed class Settings : FineTuningSettings
    {
        [CommandOption("--data <DIR>")]
        [Description("Datasets folder holding lfw/ (default ../shared/datasets).")]
        public string? Data { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Benchmark folder (fold-01..fold-10 inside); give the same folder again to resume.")]
        public string? Out { get; init; }

        [CommandOption("--iterations <N>")]
        [Description("Fine-tuning iterations per fold (default 1200; docs/RESULTS.md compares 300).")]
        public long Iterations { get; init; } = 1200;

        [CommandOption("--folds <LIST>")]
        [Description("1-based folds to run, e.g. 1,2 (default all ten).")]
        public string? Folds { get; init; }

        [CommandOption("--threshold-pairs <N>")]
        [Description("Pairs of the other folds scored to choose each fold's thresholds (default 600).")]
        public int ThresholdPairs { get; init; } = 600;

        [CommandOption("--models <DIR>")]
        [Description("Model store with the pretrained weights.")]
        public string? Models { get; init; }

        /// <summary>The folds as numbers, or null for all.</summary>
        /// <exception cref="FormatException">When the list is not comma-separated numbers in 1..10.</exception>
        public int[]? FoldList() => Folds?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(f => int.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 10 ? n
                : throw new FormatException($"--folds must list numbers 1-10; got '{Folds}'.")).Distinct().Order().ToArray();

        /// <inheritdoc />
        public override ValidationResult Validate()
        {
            if (Out is null) return ValidationResult.Error("--out DIR is required (the benchmark folder; the same one resumes).");
            if (File.Exists(Out)) return ValidationResult.Error($"--out {Out} is a file; give a folder (created when missing).");
            if (Iterations < 1) return ValidationResult.Error("--iterations must be >= 1.");
            if (ThresholdPairs < 2) return ValidationResult.Error("--threshold-pairs must be >= 2.");
            if (CheckFineTuning() is { } bad) return bad;
            try { FoldList(); } catch (FormatException e) { return ValidationResult.Error(e.Message); }
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TorchSetup.Initialise();
        var lfw = Path.Combine(DatasetsFolder.Resolve(settings.Data), "lfw");
        var folder = Path.GetFullPath(settings.Out!);
        var training = settings.ApplyTo(FineTuning.Defaults(ModelSource.DefaultPretrained)) with { Stop = new StopConditions(settings.Iterations) };
        var options = new View2FineTuningOptions
        {
            LfwFolder = lfw,
            Training = training,
            Store = ModelSource.Store(settings.Models),
            ThresholdPairs = settings.ThresholdPairs,
            Folds = settings.FoldList(),
            Benchmark = new LowResolutionBenchmarkOptions { Precision = ComputePrecision.BFloat16 },
        };
        var cells = View2FineTuning.Run(options, folder, line => AnsiConsole.WriteLine(line), cancellationToken);
        var table = new Table().Title("LFW View 2 with fine-tuning per fold (accuracy mean ± std over the completed folds; AUC and TAR pooled)")
            .AddColumns("probe", "pipeline", "accuracy", "AUC", "TAR@FAR=1e-3");
        foreach (var c in cells.OrderBy(c => c.ProbeSize).ThenBy(c => c.Pipeline))
            table.AddRow($"{c.ProbeSize} px", Markup.Escape(c.Pipeline.Label()),
                string.Create(CultureInfo.InvariantCulture, $"{c.AccuracyMean:0.0000} ± {c.AccuracyStd:0.0000}"),
                c.Verification.Auc.ToString("0.0000", CultureInfo.InvariantCulture),
                Markup.Escape(EvaluationMarkdown.Tar(c.Verification.TarAtFar[1e-3])));
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"Folder: {folder} ({View2FineTuning.SummaryFile}); run the same command again to resume or add folds.");
        return 0;
    }
}
