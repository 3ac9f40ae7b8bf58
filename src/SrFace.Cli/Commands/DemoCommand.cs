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
/// <c>srface demo</c>, the main job. Default (issue 9): starts from the pretrained dlib-resnet in the model store,
/// fine-tunes it jointly with a vdsr SR model on the LFW DevTrain people within the time budget (METHOD.md steps 1-10
/// from pretrained weights), then evaluates on LFW View 1 (threshold from <c>pairsDevTrain.txt</c>, accuracy on
/// <c>pairsDevTest.txt</c>) at S/16, S/8, S/4, S/2 and S: (a) the unmodified pretrained recogniser + bicubic, (b) the
/// fine-tuned recogniser + bicubic, (c) the cascade; prints the table and a verdict against the issue's targets.
/// <c>--from-scratch</c>: the earlier path, a small joint cascade and an HR-only baseline both trained from random weights.
/// </summary>
internal sealed class DemoCommand : Command<DemoCommand.Settings>
{
    /// <summary>Settings of <c>srface demo</c>.</summary>
    public sealed class Settings : FineTuningSettings
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
        [Description("SR model (default vdsr when fine-tuning; fsrcnn with --from-scratch): srcnn, fsrcnn, srgan or vdsr.")]
        public string? Sr { get; init; }

        [CommandOption("--input-size <PX>")]
        [Description("--from-scratch only: recogniser input side S (default 64). Fine-tuning uses the pretrained recogniser's S (150).")]
        public int? InputSize { get; init; }

        [CommandOption("--from-scratch")]
        [Description("Train a small recogniser and an HR-only baseline from random weights instead of fine-tuning the pretrained dlib-resnet.")]
        public bool FromScratch { get; init; }

        [CommandOption("--models <DIR>")]
        [Description("Model store with the pretrained weights (default: $" + SrFace.Models.Pretrained.ModelStore.EnvironmentVariable + ", else the user cache; filled by " + SrFace.Models.Pretrained.ModelStore.FetchCommand + ").")]
        public string? Models { get; init; }

        [CommandOption("--pairs <N>")]
        [Description("Fine-tuning: View 1 pairs used from each of pairsDevTrain.txt and pairsDevTest.txt (balanced, evenly spread); default: as many as fit the budget; 0 = all.")]
        public int? Pairs { get; init; }

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

        /// <inheritdoc />
        public override ValidationResult Validate() =>
            Minutes is < 1 or > 24 * 60 ? ValidationResult.Error("--minutes must be between 1 and 1440.")
            : InputSize is { } size && (size % 16 != 0 || size < 32) ? ValidationResult.Error("--input-size must be a multiple of 16, at least 32.")
            : InputSize is not null && !FromScratch ? ValidationResult.Error("--input-size needs --from-scratch (fine-tuning uses the pretrained recogniser's input size).")
            : Sr is { } sr && !SrFace.Models.ModelCatalog.SuperResolution.ContainsKey(sr) ? ValidationResult.Error($"--sr '{sr}' is not a known SR model; known: {string.Join(", ", SrFace.Models.ModelCatalog.SuperResolution.Keys)}.")
            : Sr is { } pre && !FromScratch && !SrFace.Models.ModelCatalog.SuperResolution[pre].PreUpsampled ? ValidationResult.Error($"fine-tuning at 150 px with multi-scale probes needs a pre-upsampled SR model (vdsr); use --from-scratch for --sr {pre}.")
            : CheckFineTuning() is { } bad ? bad
            : Pairs < 0 || Pairs == 1 ? ValidationResult.Error("--pairs must be 0 (all) or at least 2.")
            : FromScratch && (Pairs is not null || Models is not null || AnyFineTuningFlag) ? ValidationResult.Error("--pairs, --models and the fine-tuning flags (--distill, --freeze-stages, --lr-rec, --margin, --sr-pretrain, --sr-width, --sr-layers, --multiscale, --scale) belong to the fine-tuning demo, not --from-scratch.")
            : Iterations < 1 || BaselineIterations < 1 ? ValidationResult.Error("iteration counts must be >= 1.")
            : !(Lambda >= 0 && double.IsFinite(Lambda)) ? ValidationResult.Error($"--lambda must be finite and >= 0; got {Lambda}.")
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
        // Fail before the folder, the banner and the timing: building the models checks what the flags alone cannot (e.g. --freeze-stages 99).
        if (!settings.FromScratch)
            using (new JointTrainer(FineTuneOptions(settings), ModelSource.Store(settings.Models))) { }
        Directory.CreateDirectory(folder);
        if (!settings.FromScratch) return FineTuneDemo(context, settings, console, clock, lfw, folder, cancellationToken);

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

        var jointPath = Train(joint, data.Train, Path.Combine(folder, "joint"), preprocessing, console, null, cancellationToken);
        var baselinePath = Train(baseline, data.Train, Path.Combine(folder, "baseline"), preprocessing, console, null, cancellationToken);
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

    /// <summary>The from-scratch demo's training options: small models that learn within minutes on two cores.</summary>
    internal static JointTrainingOptions DemoOptions(Settings settings) => new()
    {
        SuperResolutionModel = settings.Sr ?? "fsrcnn",
        SuperResolutionWidth = settings.Sr == "srgan" ? 32 : null,
        SuperResolutionBlocks = settings.Sr == "srgan" ? 4 : null,
        Recognizer = "face-resnet18",
        RecognizerWidth = 32,
        EmbeddingSize = 128,
        InputSize = settings.InputSize ?? 64,
        IdentitiesPerBatch = 32,
        ImagesPerIdentity = 2,
        IdentityWeight = settings.Lambda,
        Seed = settings.Seed,
        CheckpointEvery = 100,
    };

    /// <summary>The fine-tuning demo's options: <see cref="FineTuning.Defaults"/> with the demo's flags.</summary>
    internal static JointTrainingOptions FineTuneOptions(Settings settings)
    {
        var o = settings.ApplyTo(FineTuning.Defaults(ModelSource.DefaultPretrained));
        return o with
        {
            SuperResolutionModel = settings.Sr ?? o.SuperResolutionModel,
            IdentityWeight = settings.Lambda,
        };
    }

    /// <summary>Recogniser passes per View 1 pair in the benchmark with P probe sizes: 2 HR embeddings, then per probe
    /// size below S (a) 1, (b) 1, (c) 1 restored + the SR model (about 0.6 of a pass at 150 px), and (a), (b) at S.</summary>
    internal static double PassesPerPair(int probeSizes) => 2 + (probeSizes - 1) * 3.6 + 2;

    private int FineTuneDemo(CommandContext context, Settings settings, IAnsiConsole console, Stopwatch clock, string lfw, string folder, CancellationToken cancellation)
    {
        var store = ModelSource.Store(settings.Models);
        using var pretrained = FaceRecognitionCascade.FromPretrained(ModelSource.DefaultPretrained, store); // pipeline (a)
        var options = FineTuneOptions(settings);
        // The pretrained recogniser's own framing (FineTuning.Preprocessing: the catalogue's template, detected and aligned by
        // FacePreparer, each file once and cached), so (a) and the fine-tuned models see the same pixels; an LFW image
        // without a detected face is framed by the centred crop, as the benchmark does.
        var preprocessing = pretrained.Preprocessing;
        var preparer = new FacePreparer(preprocessing, pretrained.Detector, centredCropWhenNoFace: true);
        var images = Path.Combine(lfw, "lfw-deepfunneled");
        var people = PeopleList.Read(Path.Combine(lfw, "peopleDevTrain.txt"));
        var data = TrainingDataSetup.FromIdentityFolders(images, people, preparer, options.ImagesPerIdentity, validationFraction: 0);
        var train = data.Train;
        var framing = preparer.Aligns ? $"faces detected and aligned ({preprocessing.Alignment})" : string.Create(CultureInfo.InvariantCulture, $"centred crop {preprocessing.CropFraction:0.###}");
        console.MarkupLineInterpolated($"[bold]SrFace demo[/]: fine-tuning the pretrained {options.Recognizer} (S = {options.InputSize} px, {framing}) jointly with {options.SuperResolutionModel} ({(options.ScaleRange is null ? "single-scale" : "multi-scale")} {options.ScalesLabel()}) on LFW DevTrain: {train.Dataset.Identities.Count:N0} people, {train.Dataset.Count:N0} images; distillation {options.DistillationWeight}, {options.FrozenRecognizerStages} stages frozen; folder {folder}");

        // Budget: measure one recogniser pass here, size the evaluation, give the rest to training.
        var sizes = LowResolutionBenchmarkOptions.DefaultProbeSizes(options.InputSize);
        var (perPass, perFace) = MeasurePass(pretrained, train);
        // Each image is prepared (decoded, detected, aligned) once: both images of an evaluation pair, and at most every
        // face of a training batch (new images dominate a short run), so the budget counts that time too.
        var perPair = perPass * PassesPerPair(sizes.Count) + 2 * perFace;
        var remaining = settings.Minutes * 60 - clock.Elapsed.TotalSeconds - 20; // 20 s: saving, report, figures
        int? maxPairs = settings.Pairs switch
        {
            0 => null,
            { } n => n,
            null => Math.Clamp((int)(remaining * (1 - FineTuneTrainingShare) / perPair / 2), 40, 2200),
        };
        var evalPairs = Math.Min(maxPairs ?? 2200, 2200) + Math.Min(maxPairs ?? 1000, 1000);
        var trainSeconds = Math.Max(30, remaining - evalPairs * perPair);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"evaluation: {perPass * 1000:0} ms per recogniser pass and {perFace * 1000:0} ms per face prepared{(preparer.Aligns ? " (detected and aligned)" : "")} measured here -> {(maxPairs is { } m ? $"at most {m} pairs per View 1 file" : "all View 1 pairs")}, about {evalPairs * perPair / 60:0.0} min"));
        // SR-only pre-training gets its share of the training time (FineTuning.SuperResolutionPretrainShare), the joint run the rest.
        var preparePerIteration = options.IdentitiesPerBatch * options.ImagesPerIdentity * perFace;
        if (settings.SrPretrain is null && settings.Iterations is null && options.SuperResolutionPretrainIterations > 0)
        {
            var pretrainSeconds = trainSeconds * FineTuning.SuperResolutionPretrainShare;
            // Pre-training reads the joint run's batches: the faces it prepares are counted in the joint iterations.
            var perStep = ThroughputProbe.SecondsPerPretrainingStep(options, train, 3, store);
            var pretrainSteps = Math.Max(10, (long)(pretrainSeconds / perStep));
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"SR pre-training: {perStep:0.00} s per step measured here -> {pretrainSteps} steps, about {pretrainSteps * perStep / 60:0.0} min"));
            options = options with { SuperResolutionPretrainIterations = pretrainSteps };
            trainSeconds -= pretrainSteps * perStep;
        }
        var iterations = settings.Iterations ?? Plan(options, train, trainSeconds, "fine-tuning", console, store, steps: 1,
            preparePerIteration: preparePerIteration);
        options = options with { Stop = new StopConditions(iterations) };

        var cascadePath = Train(options, train, Path.Combine(folder, "finetuned"), preprocessing, console, store, cancellation);
        if (cascadePath is null) return 1;
        if (preparer.Aligns && preparer.FallbackFiles.Count > 0)
            console.WriteLine($"fine-tuning: no face found in {preparer.FallbackFiles.Count} training image(s); their centred crop was used.");
        using var cascade = FaceRecognitionCascade.Load(cascadePath, store); // the store holds the face detector of its alignment
        var evaluation = new LfwEvaluationOptions
        {
            PairsFolder = lfw,
            ImagesFolder = images,
            View1 = true,
            View2 = settings.View2,
            View1MaxPairs = maxPairs,
            TrainingIdentities = train.Dataset.Identities.ToHashSet(StringComparer.Ordinal),
            CommandLine = "srface " + string.Join(' ', context.Arguments),
            SrQualityFaces = 24,
            Benchmark = new LowResolutionBenchmarkOptions { Precision = ComputePrecision.BFloat16 },
        };
        console.MarkupLine("[bold]Evaluating[/] on LFW View 1 (pairsDevTest.txt; threshold from pairsDevTrain.txt): (a) = the unmodified pretrained dlib-resnet" + (settings.View2 ? "; and View 2" : ""));
        var evaluationFolder = Path.Combine(folder, "evaluation");
        var report = LfwEvaluation.Run(cascade, cascadePath, pretrained, $"{ModelSource.DefaultPretrained} (pretrained, unmodified)", evaluation, evaluationFolder);
        if (report.Calibration is { } calibration)
        {
            cascade.Calibrate(calibration.Threshold);
            cascade.Save(cascadePath);
        }
        foreach (var protocol in report.Protocols) EvaluateCommand.PrintProtocol(report, protocol);
        PrintFineTuneVerdict(console, report, options.InputSize);
        PrintSrQuality(console, report);
        console.MarkupLineInterpolated($"Report: [bold]{Path.Combine(evaluationFolder, EvaluationReport.MarkdownFile)}[/] (figures beside it)");
        console.MarkupLineInterpolated($"Cascade: [bold]{cascadePath}[/]{(report.Calibration is { } c ? $" (threshold {c.Threshold:0.0000})" : "")}");
        console.MarkupLineInterpolated($"Done in {clock.Elapsed.TotalMinutes:0.0} min.");
        return 0;
    }

    /// <summary>Share of the fine-tuning demo's budget (after data loading) spent training when --pairs is not given.</summary>
    private const double FineTuneTrainingShare = 0.55;

    /// <summary>Seconds per face of one recogniser pass (bf16, batch 16, the second of two timed calls), on training chips,
    /// and seconds per face of preparing those chips (decode, and detection + alignment when the model aligns).</summary>
    private static (double PerPass, double PerFace) MeasurePass(FaceRecognitionCascade model, FaceImageLoader images)
    {
        var paths = images.Dataset.Samples.Take(16).Select(s => s.Path).ToArray();
        var precision = model.Precision;
        model.Precision = ComputePrecision.BFloat16;
        try
        {
            var timer = Stopwatch.StartNew();
            using var faces = images.LoadFiles(paths);
            var perFace = timer.Elapsed.TotalSeconds / paths.Length;
            model.EmbedRecognizerOnly(faces).Dispose(); // warm-up
            timer.Restart();
            model.EmbedRecognizerOnly(faces).Dispose();
            return (timer.Elapsed.TotalSeconds / paths.Length, perFace);
        }
        finally
        {
            model.Precision = precision;
        }
    }

    /// <summary>The verdict against issue 9's targets: (c) - (a) at S/8 &gt;= +3 points, at S/16 &gt;= +10, at S &gt;= -0.5.</summary>
    private static void PrintFineTuneVerdict(IAnsiConsole console, EvaluationReport report, int inputSize)
    {
        var view1 = report.View1!;
        var targets = new (int Size, double Points, string Name)[]
        {
            (JointTrainer.ProbeSide(inputSize, 16), 10, "S/16"),
            (JointTrainer.ProbeSide(inputSize, 8), 3, "S/8"),
            (inputSize, -0.5, "S"),
        };
        foreach (var (size, points, name) in targets)
        {
            var a = view1.Get(RecognitionPipeline.BaselineBicubic, size);
            var b = view1.Get(RecognitionPipeline.JointBicubic, size);
            var c = view1.Get(RecognitionPipeline.Cascade, size);
            var gain = (c.Accuracy - a.Accuracy) * 100;
            var met = gain >= points;
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"{name} ({size} px): cascade (c) {c.Accuracy:P1} vs unmodified pretrained (a) {a.Accuracy:P1}: [{(met ? "green" : "red")}]{gain:+0.0;-0.0} points[/] (target {points:+0.0;-0.0}: {(met ? "met" : "not met")}); fine-tuned + bicubic (b) {b.Accuracy:P1}; AUC (a) {a.Verification.Auc:0.0000}, (b) {b.Verification.Auc:0.0000}, (c) {c.Verification.Auc:0.0000}"));
        }
        console.WriteLine($"View 1 pairs used: {view1.EvaluatedPairs} DevTest (threshold from DevTrain); accuracy on fewer than 1000 pairs moves by a few points from sample to sample.");
    }

    /// <summary>Whether the SR model restores: PSNR of the restored and the bicubic faces per probe size (the report's SR quality rows).</summary>
    private static void PrintSrQuality(IAnsiConsole console, EvaluationReport report)
    {
        foreach (var r in report.SrQuality)
        {
            var gain = r.PsnrRestored - r.PsnrBicubic;
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"SR quality at {r.ProbeSize} px ({r.Faces} held-out faces): PSNR restored {r.PsnrRestored:0.00} dB vs bicubic {r.PsnrBicubic:0.00} dB ([{(gain >= 0 ? "green" : "red")}]{gain:+0.00;-0.00} dB[/]), SSIM {r.SsimRestored:0.0000} vs {r.SsimBicubic:0.0000}"));
        }
    }

    private static long Plan(JointTrainingOptions options, FaceImageLoader images, double seconds, string name, IAnsiConsole console,
        SrFace.Models.Pretrained.ModelStore? store = null, int steps = 3, double preparePerIteration = 0)
    {
        // The probe times the training step on prepared faces; preparePerIteration adds the first preparation of new ones.
        var perIteration = ThroughputProbe.SecondsPerIteration(options, images, steps, store) + preparePerIteration;
        // At least 10 iterations, so even a tiny budget trains something; the estimate printed is the real one.
        var iterations = Math.Max(10, (long)(seconds / perIteration));
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {perIteration:0.00} s per iteration measured here{(preparePerIteration > 0 ? $" (of which {preparePerIteration:0.00} s preparing new faces)" : "")} -> {iterations} iterations, about {iterations * perIteration / 60:0.0} min"));
        return iterations;
    }

    private static string? Train(JointTrainingOptions options, FaceImageLoader images, string runFolder, FacePreprocessing preprocessing, IAnsiConsole console,
        SrFace.Models.Pretrained.ModelStore? store, CancellationToken cancellation)
    {
        var name = options.Mode == TrainingMode.Joint ? "joint" : "baseline";
        var pretrain = options.SuperResolutionPretrainIterations > 0 ? $" after {options.SuperResolutionPretrainIterations} SR-only pre-training steps" : "";
        console.MarkupLineInterpolated($"[bold]Training {name}[/]: {options.Stop.MaxIterations} iterations of {options.IdentitiesPerBatch} x {options.ImagesPerIdentity} faces{pretrain} -> {runFolder}");
        using var trainer = new JointTrainer(options, store);
        var result = TrainingConsole.Run(new TrainingRun(options, images, runFolder), trainer, console, 25, resume: false, name, cancellation);
        if (result.Reason is StopReason.NonFiniteLoss or StopReason.Cancelled)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {name} training stopped: {result.Message}. Run folder: {runFolder}");
            return null;
        }
        var path = Path.Combine(runFolder, TrainCommand.CascadeFileName);
        using var cascade = trainer.ToCascade(preprocessing);
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
