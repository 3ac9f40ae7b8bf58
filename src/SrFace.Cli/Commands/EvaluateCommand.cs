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
/// threshold in the model file. <c>--pairs FILE --images DIR</c> runs the same sweep on a pairs file of one's own in
/// the LFW format over a folder-per-identity image set (<see cref="LfwProtocols.PairFile"/>). <c>--protocol open-set</c>
/// runs open-set identification instead (<see cref="OpenSetIdentification"/>): the threshold at FPIR
/// <see cref="OpenSetIdentification.TargetFpir"/> on View 1 DevTrain people, FPIR and 1 - FNIR on DevTest people, stored in the model
/// with <c>--calibrate</c>.
/// </summary>
internal sealed class EvaluateCommand : Command<EvaluateCommand.Settings>
{
    /// <summary>Options of <c>srface evaluate</c>.</summary>
    public sealed class Settings : ModelSettings
    {
        /// <summary>A centred crop of this fraction instead of the model's framing (its crop, or detection + alignment).</summary>
        [CommandOption("--crop-fraction <F>")]
        [Description("Take a centred face crop of this fraction of the shorter image side, in (0, 1]], instead of the model's framing " +
                     "(default: the model's: its own crop, or detection + landmarks + alignment for a pretrained recogniser).")]
        public double? CropFraction { get; init; }

        /// <summary>How faces are framed instead of the model's own framing: dlib-chip, landmark-box or centred (null: the model's).</summary>
        [CommandOption("--alignment <NAME>")]
        [Description("Frame faces this way instead of the model's framing: dlib-chip (detection + 68 landmarks + dlib's 150-px chip, rotation corrected), " +
                     "landmark-box (detection + 68 landmarks + face-api's upright square from the eye and mouth centres) or centred " +
                     "(a centred crop of the model's fraction, or of --crop-fraction). Detection needs a model that loads the face detector (a pretrained recogniser).")]
        public string? Alignment { get; init; }

        /// <summary>The HR-only recogniser, for pipeline (a).</summary>
        [CommandOption("--baseline <FILE>")]
        [Description("Recogniser-only model trained on HR faces (pipeline (a)); without it (a) is skipped.")]
        public string? Baseline { get; init; }

        /// <summary>The datasets folder.</summary>
        [CommandOption("--data <DIR>")]
        [Description("Datasets folder holding lfw/ (default: ../shared/datasets if present).")]
        public string? Data { get; init; }

        /// <summary>view1, view2 or both (null: both).</summary>
        [CommandOption("--protocol <NAME>")]
        [Description("view1, view2 or both (default both); open-set: open-set identification instead of verification (a gallery of 200 LFW people, searches by them and by 500 people in no gallery; " +
                     "the threshold at FPIR 1 % on View 1 DevTrain people, FPIR and rank-1 1 - FNIR at it and at the verification threshold on DevTest people; --calibrate stores it in the model).")]
        public string? Protocol { get; init; }

        /// <summary>A pairs file of one's own, instead of the LFW views.</summary>
        [CommandOption("--pairs <FILE>")]
        [Description("Evaluate this pairs file instead of LFW View 1/2 (needs --images). LFW format: a header 'N' (one set: N matched lines then N mismatched) or " +
                     "'FOLDS N' (k-fold, each fold N matched then N mismatched); matched lines 'name i j', mismatched 'name1 i name2 j' naming IMAGES/name/name_000i.jpg, " +
                     "or either kind as two paths 'IDENTITY/FILE IDENTITY/FILE' relative to --images. One set: accuracy at the model's threshold (else the best on the set, flagged optimistic). " +
                     "A malformed line is an error naming the line (exit 2).")]
        public string? Pairs { get; init; }

        /// <summary>The folder-per-identity images the pairs file names.</summary>
        [CommandOption("--images <DIR>")]
        [Description("With --pairs: the folder holding one subfolder of images per identity.")]
        public string? Images { get; init; }

        /// <summary>Comma-separated probe sides.</summary>
        [CommandOption("--probe-sizes <LIST>")]
        [Description("Probe sides in px, e.g. 4,8,16,64 (default S/16, S/8, S/4, S).")]
        public string? ProbeSizes { get; init; }

        /// <summary>People the models were trained on.</summary>
        [CommandOption("--train-people <FILE>")]
        [Description("People the models were trained on (LFW people list or one name per line; default lfw/peopleDevTrain.txt for a trained cascade, 'none' for a pretrained recogniser or with --pairs; 'none' skips the checks).")]
        public string? TrainPeople { get; init; }

        /// <summary>Report folder.</summary>
        [CommandOption("--out <DIR>")]
        [Description("Report folder (default: evaluation/ next to the model; evaluation-PAIRSNAME/ with --pairs).")]
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
        [Description("Write the View 1 calibration threshold into the model file (with --protocol open-set: the open-set identification threshold).")]
        public bool Calibrate { get; init; }

        public override ValidationResult Validate()
        {
            if (CropFraction is { } c && !(c > 0 && c <= 1)) return ValidationResult.Error($"--crop-fraction must be in (0, 1]; got {c}.");
            if (Alignment is not null && ParseAlignment(Alignment) is null)
                return ValidationResult.Error($"--alignment must be {string.Join(", ", AlignmentNames.Keys)}; got '{Alignment}'.");
            if (CropFraction is not null && Alignment is not (null or "centred"))
                return ValidationResult.Error($"--crop-fraction frames faces by a centred crop; it does not go with --alignment {Alignment}.");
            if ((Pairs is null) != (Images is null)) return ValidationResult.Error("--pairs <FILE> and --images <DIR> go together.");
            if (Pairs is not null && (Protocol is not null || Calibrate)) return ValidationResult.Error("--pairs replaces the LFW views: no --protocol or --calibrate with it.");
            // Checked before the model loads, and as a usage error (exit 2) like the rest of a wrong command line.
            if (Pairs is not null && !File.Exists(Pairs)) return ValidationResult.Error($"--pairs: pairs file not found: {Pairs}");
            if (Images is not null && !Directory.Exists(Images)) return ValidationResult.Error($"--images: image folder not found: {Images}");
            if (Calibrate && ModelSource.IsPretrained(Model)) return ValidationResult.Error($"--calibrate writes into a model file; '{ModelSource.Name(Model)}' is a pretrained recogniser (its threshold is part of the catalogue).");
            if (Protocol is not (null or "view1" or "view2" or "both" or OpenSetProtocol)) return ValidationResult.Error($"--protocol must be view1, view2, both or open-set; got '{Protocol}'.");
            if (Calibrate && Protocol == "view2") return ValidationResult.Error("--calibrate needs View 1 (--protocol view1 or both).");
            if (SrFaces < 0) return ValidationResult.Error("--sr-faces must be >= 0.");
            try { ParseProbeSizes(ProbeSizes); }
            catch (FormatException e) { return ValidationResult.Error(e.Message); }
            return ValidationResult.Success();
        }
    }

    /// <summary>The names <c>--alignment</c> takes, and the framing each stands for.</summary>
    internal static IReadOnlyDictionary<string, SrFace.Models.FaceAlignmentTemplate> AlignmentNames { get; } = new Dictionary<string, SrFace.Models.FaceAlignmentTemplate>
    {
        ["dlib-chip"] = SrFace.Models.FaceAlignmentTemplate.DlibChip,
        ["landmark-box"] = SrFace.Models.FaceAlignmentTemplate.LandmarkBox,
        ["centred"] = SrFace.Models.FaceAlignmentTemplate.CentredCrop,
    };

    /// <summary>The framing an <c>--alignment</c> name stands for; null for an unknown name.</summary>
    internal static SrFace.Models.FaceAlignmentTemplate? ParseAlignment(string name) =>
        AlignmentNames.TryGetValue(name, out var alignment) ? alignment : null;

    /// <summary>
    /// The framing evaluate uses: <c>--crop-fraction</c> (a centred crop of it), else <c>--alignment</c>, else the
    /// model's own.
    /// </summary>
    /// <param name="model">The model's preprocessing.</param>
    /// <param name="alignment">The <c>--alignment</c> name, or null.</param>
    /// <param name="cropFraction">The <c>--crop-fraction</c>, or null.</param>
    internal static SrFace.Data.FacePreprocessing Framing(SrFace.Data.FacePreprocessing model, string? alignment, double? cropFraction) =>
        cropFraction is { } f ? model.CentredCrop(f)
        : alignment is null ? model
        : ParseAlignment(alignment) is SrFace.Models.FaceAlignmentTemplate.CentredCrop ? model.CentredCrop(model.CropFraction)
        : model with { Alignment = ParseAlignment(alignment)!.Value };

    /// <summary>Parses <c>4,8,16,64</c>; null for null/empty.</summary>
    /// <exception cref="FormatException">When an entry is not a whole number of pixels of at least
    /// <see cref="SrFace.Cascade.FaceRecognitionCascade.MinimumFaceSide"/> (the smallest probe verify, export and serve take).</exception>
    internal static int[]? ParseProbeSizes(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Split(',', StringSplitOptions.TrimEntries).Select(t =>
            int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= SrFace.Cascade.FaceRecognitionCascade.MinimumFaceSide ? v
                : throw new FormatException($"--probe-sizes: '{t}' is not a whole number of pixels of at least {SrFace.Cascade.FaceRecognitionCascade.MinimumFaceSide} (expected e.g. 4,8,16,64).")).ToArray();

    /// <summary>The <c>--protocol</c> name of open-set identification.</summary>
    internal const string OpenSetProtocol = "open-set";

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Protocol == OpenSetProtocol) return OpenSet(settings);
        var ownPairs = settings.Pairs is not null;
        var lfw = ownPairs ? "" : Path.Combine(DatasetsFolder.Resolve(settings.Data), "lfw");
        var modelName = ModelSource.Name(settings.Model);
        using var joint = ModelSource.Load(settings.Model, settings.Models);
        using var baseline = settings.Baseline is null ? null : ModelSource.Load(settings.Baseline, settings.Models);
        foreach (var model in new[] { joint, baseline }.OfType<FaceRecognitionCascade>())
        {
            var framing = Framing(model.Preprocessing, settings.Alignment, settings.CropFraction);
            if (SrFace.Data.FacePreparer.TemplateOf(framing.Alignment) is not null && model.Detector is null)
                throw new ArgumentException($"--alignment {settings.Alignment}: {ModelSource.Name(model == joint ? settings.Model : settings.Baseline!)} frames faces by a centred crop and loads no face detector; detection and alignment need a pretrained recogniser (e.g. dlib-resnet).");
            model.UsePreprocessing(framing);
        }
        // A pretrained recogniser was not trained on LFW people, nor anyone on one's own set: nothing to exclude unless the user says otherwise.
        var trainPeople = settings.TrainPeople ?? (ModelSource.IsPretrained(settings.Model) || ownPairs ? "none" : Path.Combine(lfw, "peopleDevTrain.txt"));
        var trained = trainPeople == "none" ? null : ProtocolGuard.ReadIdentities(trainPeople);
        var folder = ownPairs ? $"evaluation-{Path.GetFileNameWithoutExtension(settings.Pairs)}" : "evaluation";
        var output = settings.Out ?? (ModelSource.IsPretrained(settings.Model)
            ? Path.Combine("runs", $"pretrained-{modelName}", folder)
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelName))!, folder));
        var options = new LfwEvaluationOptions
        {
            PairsFolder = lfw,
            ImagesFolder = settings.Images ?? Path.Combine(lfw, "lfw-deepfunneled"),
            PairsFile = settings.Pairs,
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
        // The table's rows are the method's pipelines; a model without an SR stage (a pretrained recogniser as it comes)
        // runs (b) and (c) as the same recogniser on the bicubic probe, which the labels alone would not say.
        if (joint.SuperResolution is null)
            AnsiConsole.MarkupLineInterpolated($"{modelName} has no SR model: (b) and (c) are both this recogniser on the bicubic-upsampled probe (not jointly trained unless it was), so their rows agree.");
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

    /// <summary>
    /// <c>--protocol open-set</c>: calibrates the open-set threshold at <see cref="OpenSetIdentification.TargetFpir"/> on View 1
    /// DevTrain people and measures FPIR and 1 - FNIR on DevTest people (disjoint), at it and at the model's verification threshold.
    /// </summary>
    private static int OpenSet(Settings settings)
    {
        var lfw = Path.Combine(DatasetsFolder.Resolve(settings.Data), "lfw");
        var images = settings.Images ?? Path.Combine(lfw, "lfw-deepfunneled");
        var modelName = ModelSource.Name(settings.Model);
        using var model = ModelSource.Load(settings.Model, settings.Models);
        model.UsePreprocessing(Framing(model.Preprocessing, settings.Alignment, settings.CropFraction));
        var embedder = new SrFace.Recognition.FaceEmbedder(model);
        const int g = OpenSetIdentification.GallerySize, m = OpenSetIdentification.Strangers;
        var splits = new[] { "peopleDevTrain.txt", "peopleDevTest.txt" }.Select(f => OpenSetIdentification.Select(images, Path.Combine(lfw, f), g, m)).ToArray();
        var (calibrated, train) = RecognitionCli.WithProgress("open set, DevTrain people", progress => OpenSetIdentification.Calibrate(embedder, images, Path.Combine(lfw, "peopleDevTrain.txt"), progress));
        var scores = new[] { train, RecognitionCli.WithProgress("open set, DevTest people", progress => OpenSetIdentification.Score(embedder, splits[1], progress)) };
        var table = new Table().Title(Markup.Escape($"{modelName}: open-set identification, gallery of {g} LFW people (one image each), " +
            $"{g} mated and {m} non-mated searches per split ({embedder.Preprocessing.Alignment})"))
            .AddColumns("threshold", "cosine", "FPIR DevTrain", "1 - FNIR DevTrain", "FPIR DevTest", "1 - FNIR DevTest");
        var rows = new List<(string, double)>();
        if (model.Threshold is { } pairwise) rows.Add(("verification (View 1 pairs)", pairwise));
        if (model.OpenSetThreshold is { } stored) rows.Add(("open-set, the model's", stored));
        rows.Add(($"open-set, FPIR {OpenSetIdentification.TargetFpir:0.##%} (this run)", calibrated));
        foreach (var (label, t) in rows)
            table.AddRow(Markup.Escape(label), t.ToString("0.0000", CultureInfo.InvariantCulture),
                Rate(scores[0].Fpir(t)), Rate(1 - scores[0].Fnir(t)), Rate(scores[1].Fpir(t)), Rate(1 - scores[1].Fnir(t)));
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine("FPIR: share of searches by people in no gallery that return a candidate (best score >= threshold); 1 - FNIR: share of searches by enrolled people " +
            "whose own identity is returned at rank 1 above the threshold (ISO/IEC 19795-1, NIST FRVT 1:N). DevTrain and DevTest people are disjoint.");
        for (var i = 0; i < splits.Length; i++)
            if (scores[i].NoFace.Count > 0)
                AnsiConsole.WriteLine($"{splits[i].Name}: no face found in {scores[i].NoFace.Count} of {splits[i].GalleryImages.Count + splits[i].MatedImages.Count + splits[i].NonMatedImages.Count} images " +
                    "(failures to acquire: no candidate for such a search, no template for such an enrolment).");
        if (settings.Calibrate)
        {
            model.CalibrateOpenSet(calibrated);
            model.Save(modelName);
            AnsiConsole.MarkupLineInterpolated($"[green]Wrote the open-set threshold {calibrated:0.0000} into {modelName}.[/]");
        }
        return 0;
    }

    private static string Rate(double fraction) => fraction.ToString("0.0000", CultureInfo.InvariantCulture);

    internal static void PrintProtocol(EvaluationReport report, ProtocolResult protocol)
    {
        var kFold = protocol.IsKFold;
        var table = new Table().Title(Markup.Escape($"{protocol.Title}: {protocol.EvaluatedPairs} pairs (accuracy: {protocol.AccuracyBasis})"));
        var fars = protocol.Results[0].Verification.TarAtFar.Keys.Order().ToArray();
        table.AddColumns("probe", "pipeline", "accuracy", "AUC", "EER");
        foreach (var far in fars) table.AddColumn(string.Create(CultureInfo.InvariantCulture, $"TAR@FAR={far:0.###E+0}"));
        foreach (var size in report.ProbeSizes)
            foreach (var pipeline in protocol.TestScores.Pipelines)
            {
                var r = protocol.Get(pipeline, size);
                var cells = new List<string> { $"{size} px", Markup.Escape(pipeline.Label()), EvaluationMarkdown.Accuracy(r, kFold),
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
