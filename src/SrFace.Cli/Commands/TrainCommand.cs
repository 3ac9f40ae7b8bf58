using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Cascade;
using SrFace.Cli.Configuration;
using SrFace.Cli.Progress;
using SrFace.Cli.Reporting;
using SrFace.Data;
using SrFace.Detection;
using SrFace.Imaging;
using SrFace.Models;
using SrFace.Runtime;
using SrFace.Training;

namespace SrFace.Cli.Commands;

/// <summary>
/// <c>srface train</c>: resolves the options (defaults &lt;- <c>--config</c> preset &lt;- flags), loads the LFW training
/// identities, runs <see cref="TrainingRun"/> with a progress bar, then saves <c>cascade.srface</c>, prints the loss
/// windows and a held-out PSNR check, and writes <c>summary.json</c>. Exit codes: 0 done, 1 data/config error or a
/// NaN loss, 2 usage error, 130 cancelled with Ctrl+C (checkpoint written; continue with <c>--resume</c>).
/// </summary>
internal sealed class TrainCommand : Command<TrainSettings>
{
    /// <summary>The cascade file written into the run folder.</summary>
    public const string CascadeFileName = "cascade" + FaceRecognitionCascade.Extension;

    /// <summary>Seed of the held-out check's degradations (fixed, so runs compare on the same LR faces).</summary>
    private const int PsnrSeed = 12345;

    public override int Execute(CommandContext context, TrainSettings settings, CancellationToken cancellationToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            if (cancel.IsCancellationRequested) return; // a second Ctrl+C ends the process at once
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        // SIGTERM (kill, timeout, a stopping container) also ends the run cleanly with a checkpoint.
        using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            cancel.Cancel();
        });
        try
        {
            return Run(settings, AnsiConsole.Console, cancel.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
    }

    /// <summary>The whole command, callable from tests with their own console and token.</summary>
    public static int Run(TrainSettings settings, IAnsiConsole console, CancellationToken cancellation)
    {
        if (settings.FirstError() is { } flagError) throw new ArgumentException(flagError);
        TorchSetup.Initialise();
        // Logs and pipes: keep each progress line on one line (Spectre wraps at 80 columns when it cannot ask the terminal).
        if (!TrainingConsole.IsLive(console)) console.Profile.Width = Math.Max(console.Profile.Width, 200);
        var (options, data, runFolder) = settings.Resume ? PrepareResume(settings) : PrepareNewRun(settings);
        var aligns = data.Alignment != FaceAlignmentTemplate.CentredCrop;
        var store = options.PretrainedRecognizer || aligns ? ModelSource.Store(settings.Models) : null;
        // Build the models before any image is read: options that pass the range checks but build no model (a preset's
        // scale, a width the architecture refuses) fail here, in seconds, not after the data set has loaded.
        using var trainer = BuildTrainer(options, settings, store);
        if (!settings.Resume)
        {
            Directory.CreateDirectory(runFolder);
            data.Save(runFolder);
        }
        var preprocessing = new FacePreprocessing(options.InputSize, data.CropFraction, Color: options.Channels == 1 ? ColorMode.Grey : ColorMode.Rgb, Alignment: data.Alignment);
        // A pretrained recogniser that asks for alignment is fine-tuned on aligned chips (detected once per file, cached);
        // LFW is pre-aligned, so an image without a detected face is framed by the centred crop and counted below.
        using var detector = aligns ? FaceDetector.Load(store!) : null;
        var preparer = new FacePreparer(preprocessing, detector, centredCropWhenNoFace: true);

        console.MarkupLineInterpolated($"[bold]{(settings.Resume ? "Resuming" : "Training")}[/] {Describe(options)}");
        var people = data.PeopleFile is null ? null : PeopleList.Read(data.PeopleFile);
        var setup = TrainingDataSetup.FromIdentityFolders(data.ImagesRoot, people, preparer,
            options.ImagesPerIdentity, data.ValidationFraction, data.SplitSeed);
        var train = setup.Train.Dataset;
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"data: {setup.Listed.People:N0} people / {setup.Listed.Images:N0} images in {data.PeopleFile ?? data.ImagesRoot}; " +
            $"validation {setup.Validation.Identities.Count:N0} people / {setup.Validation.Count:N0} images; " +
            $"training {train.Identities.Count:N0} people with >= {options.ImagesPerIdentity} images / {train.Count:N0} images " +
            $"({setup.DroppedIdentities:N0} people / {setup.DroppedImages:N0} images with fewer dropped)"));

        if (train.Identities.Count < options.IdentitiesPerBatch)
            throw new ArgumentException($"-p {options.IdentitiesPerBatch}: only {train.Identities.Count} training identities have K = {options.ImagesPerIdentity} or more images; lower -p or -k, or train on more people.");
        using var validation = options.Stop.TargetValidationAccuracy is null ? null
            : setup.Validation.Count == 0
                ? throw new ArgumentException("--target-accuracy needs validation people, and the split left none: raise --validation-fraction.")
                : new ValidationAccuracy(setup.Validation, preparer);
        var run = new TrainingRun(options, setup.Train, runFolder)
        {
            Validation = validation is null ? null : validation.Measure,
            ValidateEvery = settings.ValidateEvery ?? 100,
        };
        var result = TrainingConsole.Run(run, trainer, console, settings.LogEvery ?? 10, settings.Resume, "training", cancellation);

        if (result.Reason == StopReason.NonFiniteLoss)
        {
            console.MarkupLineInterpolated($"[red]error:[/] training diverged: {result.Message}. Run folder: {runFolder}");
            return 1;
        }
        if (result.Reason == StopReason.Cancelled)
        {
            if (!File.Exists(run.CheckpointPath))
            {
                // Cancelled during SR pre-training: nothing to resume from yet.
                console.MarkupLineInterpolated($"[yellow]Cancelled[/]: {result.Message}; no checkpoint yet: run the same command again to start over.");
                return 130;
            }
            console.MarkupLineInterpolated($"[yellow]Cancelled[/] after {result.IterationsCompleted} iterations; checkpoint saved in {runFolder}.");
            console.MarkupLineInterpolated($"Continue with: [bold]srface train --resume --out {runFolder}[/]");
            return 130;
        }

        using var cascade = trainer.ToCascade(preprocessing);
        var cascadePath = Path.Combine(runFolder, CascadeFileName);
        cascade.Save(cascadePath);
        var windows = RunReport.Windows(Path.Combine(runFolder, TrainingRun.MetricsFileName));
        var psnr = RunReport.MeasurePsnr(cascade, setup.Validation, preparer, options.Degradation, PsnrSeed);
        new RunSummary(result.Reason.ToString(), result.Message, result.IterationsCompleted, runFolder, windows, psnr,
            setup.Validation.Identities, data.SplitSeed, data.ValidationFraction).Save();

        PrintReport(console, windows, psnr);
        console.MarkupLineInterpolated($"Stopped: {result.Message} ({result.Reason}) after {result.IterationsCompleted} iterations.");
        if (result.LastValidationAccuracy is { } accuracy)
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"validation accuracy (best threshold on {validation!.Count} held-out faces' own pairs): {accuracy:0.0000}"));
        if (preparer.Aligns)
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"faces: detected and aligned ({preprocessing.Alignment}); no face found in {preparer.FallbackFiles.Count} image(s), framed by the centred crop {preprocessing.CropFraction:0.###} instead."));
        console.MarkupLineInterpolated($"Run folder: [bold]{runFolder}[/] (cascade: {CascadeFileName})");
        return 0;
    }

    private static JointTrainer BuildTrainer(JointTrainingOptions options, TrainSettings settings, SrFace.Models.Pretrained.ModelStore? store)
    {
        try
        {
            return new JointTrainer(options, store);
        }
        catch (ArgumentException e)
        {
            var reason = System.Text.RegularExpressions.Regex.Replace(e.Message.Split('\n')[0], @"\s*\(Parameter '[^']*'\)", "");
            var source = settings.Resume ? $"the run's {TrainingRun.OptionsFileName}" : settings.Config is null ? "the flags" : $"{settings.Config} and the flags";
            throw new ArgumentException($"The model options do not build a model: {reason} (from {source}: --sr, --recognizer, --width, --embedding, --scale, --input-size, --freeze-stages, --freeze-norm, --multiscale).", e);
        }
    }

    private static (JointTrainingOptions, RunData, string) PrepareNewRun(TrainSettings settings)
    {
        var options = TrainOptionsResolver.Resolve(settings);
        var dataRoot = DatasetsFolder.Resolve(settings.Data);
        string? peopleFile = settings.People switch
        {
            null => Path.Combine(dataRoot, TrainingDataSetup.LfwTrainPeopleFile),
            var p when p.Equals("none", StringComparison.OrdinalIgnoreCase) => null,
            var p => Path.GetFullPath(p),
        };
        if (peopleFile is not null && !File.Exists(peopleFile)) throw new FileNotFoundException($"People list not found: {peopleFile} (--people none trains on every identity).", peopleFile);
        var (crop, alignment) = Framing(options, settings.CropFraction);
        var data = new RunData(dataRoot, peopleFile, crop,
            settings.ValidationFraction ?? TrainingDataSetup.DefaultValidationFraction, TrainingDataSetup.DefaultSplitSeed, alignment);
        var sr = options.Mode == TrainingMode.RecognizerOnly ? "baseline" : options.SuperResolutionModel;
        var runFolder = Path.GetFullPath(settings.Out ?? Path.Combine("runs", $"{DateTime.Now:yyyyMMdd-HHmmss}-{sr}-{options.Recognizer}"));
        if (File.Exists(Path.Combine(runFolder, TrainingCheckpoint.FileName)))
            throw new IOException($"{runFolder} already holds a training run; continue it with --resume or choose another --out.");
        return (options, data, runFolder);
    }

    /// <summary>
    /// How a new run frames its faces: a pretrained recogniser as its catalogue entry says (<see cref="FineTuning.Preprocessing"/>:
    /// aligned to its template when it has one, as pipeline (a) frames them), others by the LFW centred crop.
    /// <c>--crop-fraction F</c> means a centred crop of F for every model, also one that aligns (as in evaluate and verify).
    /// </summary>
    /// <param name="options">The run's options.</param>
    /// <param name="cropFraction">The --crop-fraction flag, or null.</param>
    /// <returns>The centred-crop fraction (with alignment: the frame of images without a detected face) and the alignment.</returns>
    internal static (double CropFraction, FaceAlignmentTemplate Alignment) Framing(JointTrainingOptions options, double? cropFraction)
    {
        var framing = options.PretrainedRecognizer ? FineTuning.Preprocessing(options.Recognizer) : FacePreprocessing.Lfw();
        return cropFraction is { } f ? (f, FaceAlignmentTemplate.CentredCrop) : (framing.CropFraction, framing.Alignment);
    }

    private static (JointTrainingOptions, RunData, string) PrepareResume(TrainSettings settings)
    {
        if (settings.Out is null) throw new ArgumentException("--resume needs --out RUN, the run folder to continue.");
        var refused = TrainOptionsResolver.FlagsRefusedOnResume(settings);
        if (refused.Count > 0)
            throw new ArgumentException($"--resume continues with the run's own options.json; remove {string.Join(", ", refused)} (only --iterations and --data may be given).");
        var runFolder = Path.GetFullPath(settings.Out);
        var checkpoint = Path.Combine(runFolder, TrainingCheckpoint.FileName);
        if (!File.Exists(checkpoint)) throw new FileNotFoundException($"No checkpoint to resume in {runFolder} ({TrainingCheckpoint.FileName} is missing).", checkpoint);
        var data = RunData.Load(runFolder);
        if (settings.Data is not null) data = data with { DataRoot = DatasetsFolder.Resolve(settings.Data) };
        var manifest = TrainingCheckpoint.ReadManifest(checkpoint);
        if (settings.Iterations is { } budget && budget <= manifest.NextIteration)
            throw new ArgumentException($"--iterations {budget}: the run in {runFolder} has already completed {manifest.NextIteration} iterations; give a larger budget to continue it.");
        var options = settings.Iterations is { } n
            ? IterationBudget.Extend(runFolder, n)
            : TrainingOptionsJson.Deserialize(manifest.OptionsJson, checkpoint);
        if (manifest.NextIteration >= options.Stop.MaxIterations)
            throw new ArgumentException($"The run in {runFolder} already completed its {options.Stop.MaxIterations} iterations; give --iterations with a larger budget to continue it.");
        return (options, data, runFolder);
    }

    private static string Describe(JointTrainingOptions o) => string.Create(CultureInfo.InvariantCulture,
        $"{(o.Mode == TrainingMode.Joint ? o.SuperResolutionModel : "baseline")} {o.ScalesLabel()} + {o.Recognizer}" +
        $"{(o.PretrainedRecognizer ? $" from pretrained (lr {o.RecognizerOptimizer.LearningRate:G3} vs SR {o.SuperResolutionOptimizer.LearningRate:G3}, {o.FrozenRecognizerStages} stages frozen{(o.FreezeNormalization ? ", norm frozen" : "")}, kd {o.DistillationWeight})" : "")} " +
        $"{o.RecognizerShapeLabel()}, P x K = {o.IdentitiesPerBatch} x {o.ImagesPerIdentity}, " +
        $"{o.Stop.MaxIterations} iterations, lambda={o.IdentityWeight}, {o.Precision}, seed {o.Seed}");

    private static void PrintReport(IAnsiConsole console, IReadOnlyList<MetricWindow> windows, PsnrCheck? psnr)
    {
        if (windows.Count > 0)
        {
            var n = windows[0].Window;
            var table = new Table().AddColumns("metric", $"first {n} it. mean", $"last {n} it. mean");
            foreach (var w in windows)
                table.AddRow(w.Name, w.First.ToString("G5", CultureInfo.InvariantCulture), w.Last.ToString("G5", CultureInfo.InvariantCulture));
            console.Write(table);
        }
        if (psnr is null)
        {
            console.WriteLine("held-out PSNR: skipped (no validation identities).");
            return;
        }
        var restored = psnr.Restored is { } r ? r.ToString("F2", CultureInfo.InvariantCulture) + " dB" : "n/a (baseline)";
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"held-out PSNR (Y, {psnr.Faces} faces of {psnr.Identities} validation people): restored {restored}, bicubic {psnr.Bicubic:F2} dB"));
    }
}
