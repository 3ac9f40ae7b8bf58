using System.Diagnostics;
using SrFace.Data;
using SrFace.Data.Sampling;

namespace SrFace.Training;

/// <summary>
/// The training loop around <see cref="JointTrainer"/> (METHOD.md step 9 decides when it ends): P x K batches from the
/// sampler, one <see cref="JointTrainer.Step"/> each, a metrics line per iteration, atomic checkpoints, resume,
/// validation and the stop conditions. The run folder holds <c>options.json</c>, <c>metrics.jsonl</c> and
/// <c>checkpoint.srfc</c>.
/// </summary>
public sealed class TrainingRun
{
    /// <summary>File name of the resolved options inside the run folder.</summary>
    public const string OptionsFileName = "options.json";

    /// <summary>File name of the per-iteration metrics inside the run folder.</summary>
    public const string MetricsFileName = "metrics.jsonl";

    private readonly JointTrainingOptions _options;
    private readonly FaceImageLoader _images;
    private readonly PkBatchSampler _sampler;

    /// <summary>Prepares a run on a training set (nothing is trained until <see cref="Run"/>).</summary>
    /// <param name="options">Training options (validated here).</param>
    /// <param name="images">Loader of preprocessed HR face crops <c>[N, C, S, S]</c> (S = <see cref="JointTrainingOptions.InputSize"/>).</param>
    /// <param name="runFolder">Folder for options, metrics and checkpoints; created when missing.</param>
    /// <exception cref="ArgumentException">When the options are invalid, the loader's crop size differs from the input size, or fewer than P identities have K images.</exception>
    public TrainingRun(JointTrainingOptions options, FaceImageLoader images, string runFolder)
    {
        options.Validate();
        if (images.Preprocessing.Size != options.InputSize)
            throw new ArgumentException($"The loader crops faces to {images.Preprocessing.Size} px but the recogniser input is {options.InputSize} px.");
        _options = options;
        _images = images;
        RunFolder = Path.GetFullPath(runFolder);
        _sampler = new PkBatchSampler(images.Dataset.Samples.Select(s => s.Label).ToArray(),
            options.IdentitiesPerBatch, options.ImagesPerIdentity, options.Seed);
    }

    /// <summary>The run folder (absolute).</summary>
    public string RunFolder { get; }

    /// <summary>The checkpoint file of this run.</summary>
    public string CheckpointPath => Path.Combine(RunFolder, TrainingCheckpoint.FileName);

    /// <summary>The batch sampler (to report skipped identities).</summary>
    public PkBatchSampler Sampler => _sampler;

    /// <summary>Optional validation: called every <see cref="ValidateEvery"/> iterations and at the end; returns a verification accuracy in [0, 1].</summary>
    public Func<JointTrainer, double>? Validation { get; init; }

    /// <summary>
    /// Longest time between checkpoints (default 2 minutes): a checkpoint is also written when this much time has passed
    /// since the last one, so a killed run loses at most this much work even when
    /// <see cref="JointTrainingOptions.CheckpointEvery"/> iterations take longer. Not a training option: it does not
    /// change the result, so it is not saved in <c>options.json</c>.
    /// </summary>
    public TimeSpan CheckpointInterval { get; init; } = DefaultCheckpointInterval;

    /// <summary>The default <see cref="CheckpointInterval"/>: 2 minutes.</summary>
    public static readonly TimeSpan DefaultCheckpointInterval = TimeSpan.FromMinutes(2);

    /// <summary>Iterations between validations (0 = only at the end, when <see cref="Validation"/> is set).</summary>
    public int ValidateEvery { get; init; }

    /// <summary>
    /// Trains until a stop condition holds. With <paramref name="resume"/> and a checkpoint in the run folder, continues
    /// from it (the options must be the same). A NaN or infinite loss stops the run without overwriting the last good
    /// checkpoint.
    /// </summary>
    /// <param name="trainer">A trainer built with the same options (its models end trained).</param>
    /// <param name="observer">Progress callbacks, or null.</param>
    /// <param name="resume">Continue from <see cref="CheckpointPath"/> when it exists.</param>
    /// <param name="cancellation">Stops after the current iteration, writing a checkpoint.</param>
    /// <returns>Why and where the run ended.</returns>
    /// <exception cref="InvalidDataException">When resuming from a checkpoint of other options or a corrupt file.</exception>
    public TrainingRunResult Run(JointTrainer trainer, ITrainingObserver? observer = null, bool resume = false, CancellationToken cancellation = default)
    {
        if (!ReferenceEquals(trainer.Options, _options) && TrainingOptionsJson.Serialize(trainer.Options) != TrainingOptionsJson.Serialize(_options))
            throw new ArgumentException("The trainer was built with other options than this run.", nameof(trainer));
        Directory.CreateDirectory(RunFolder);
        var plateau = new PlateauTracker(_options.Stop);
        long start = resume && File.Exists(CheckpointPath) ? TrainingCheckpoint.Load(CheckpointPath, trainer, plateau) : 0;
        AtomicFile.WriteText(Path.Combine(RunFolder, OptionsFileName), TrainingOptionsJson.Serialize(_options));
        // SR pre-training belongs to a new run: a resumed one has its effect in the checkpoint's SR weights already.
        if (start == 0 && _options.SuperResolutionPretrainIterations > 0 && PretrainSuperResolution(trainer, observer, cancellation) is { } stopped)
            return End(observer, stopped, 0, null);
        using var metrics = new MetricsLog(Path.Combine(RunFolder, MetricsFileName), start);
        observer?.OnStart(start, _options.Stop.MaxIterations);

        double? accuracy = null;
        var result = (Reason: StopReason.MaxIterations, Message: "iteration budget reached");
        long iteration = start;
        var clock = Stopwatch.StartNew();
        var sinceCheckpoint = Stopwatch.StartNew();
        // The next batch is read (decoded, detected and aligned or centre-cropped, resized) on a worker thread while this
        // one trains. Aligning calls libtorch (detector, landmarks, warp) from that thread: no random draws, its own
        // dispose scopes (FaceImageLoader prepares faces on pool threads already), so the step's seeded draws are unchanged.
        Task<(float[] Pixels, long[] Shape)>? prefetch = null;
        for (; iteration < _options.Stop.MaxIterations; iteration++)
        {
            if (cancellation.IsCancellationRequested) { result = (StopReason.Cancelled, "cancelled"); break; }
            var batch = _sampler.BatchAt(iteration);
            clock.Restart();
            var pixels = prefetch?.GetAwaiter().GetResult() ?? _images.ReadBatch(batch);
            prefetch = null;
            if (iteration + 1 < _options.Stop.MaxIterations)
            {
                var next = _sampler.BatchAt(iteration + 1);
                prefetch = Task.Run(() => _images.ReadBatch(next));
            }
            TrainingStepResult step;
            using (var hr = TorchSharp.torch.tensor(pixels.Pixels, pixels.Shape))
            using (var labels = _images.LoadLabels(batch))
                step = trainer.Step(hr, labels, iteration);
            var values = new Dictionary<string, double>(step.ToDictionary());
            if (!step.IsFinite)
            {
                var bad = string.Join(", ", values.Where(kv => !double.IsFinite(kv.Value)).Select(kv => kv.Key));
                result = (StopReason.NonFiniteLoss, $"non-finite loss ({bad}) at iteration {iteration}; the last good checkpoint is kept");
                metrics.Append(iteration, values);
                return End(observer, result, iteration, accuracy);
            }
            foreach (var (k, v) in trainer.SetLearningRates(iteration)) values[k] = v;
            values["images_per_s"] = batch.Length / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
            metrics.Append(iteration, values);
            observer?.OnIteration(iteration, values);

            var done = iteration + 1;
            if (plateau.Add(step.Contrastive)) { result = (StopReason.LossPlateau, $"loss plateau after {done} iterations"); iteration++; break; }
            if (Validation is not null && ValidateEvery > 0 && done % ValidateEvery == 0 && done < _options.Stop.MaxIterations)
            {
                accuracy = Validation(trainer);
                if (accuracy >= _options.Stop.TargetValidationAccuracy)
                {
                    result = (StopReason.ValidationAccuracyReached, $"validation accuracy {accuracy:P2} reached the target after {done} iterations");
                    iteration++;
                    break;
                }
            }
            if (done % _options.CheckpointEvery == 0 || sinceCheckpoint.Elapsed >= CheckpointInterval)
            {
                SaveCheckpoint(trainer, done, plateau, observer);
                sinceCheckpoint.Restart();
            }
        }
        SaveCheckpoint(trainer, iteration, plateau, observer);
        if (Validation is not null && result.Reason != StopReason.ValidationAccuracyReached) accuracy = Validation(trainer);
        return End(observer, result, iteration, accuracy);
    }

    /// <summary>File name of the SR pre-training log inside the run folder (one line per step: loss, images per second).</summary>
    public const string PretrainMetricsFileName = "sr-pretrain.jsonl";

    /// <summary>Runs <see cref="SuperResolutionPretraining"/> on the joint run's own batches (step i reads batch i modulo
    /// the joint iterations), so pre-training prepares no face the joint run would not: preparing (detecting and aligning)
    /// a face costs more than an SR step, and the degradation draws differ at every step anyway. Null when done; why it
    /// stopped when cancelled or when the loss is not finite (no checkpoint is written then).</summary>
    private (StopReason Reason, string Message)? PretrainSuperResolution(JointTrainer trainer, ITrainingObserver? observer, CancellationToken cancellation)
    {
        var steps = _options.SuperResolutionPretrainIterations;
        using var pretraining = new SuperResolutionPretraining(trainer, steps);
        using var log = new MetricsLog(Path.Combine(RunFolder, PretrainMetricsFileName), 0);
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < steps; i++)
        {
            if (cancellation.IsCancellationRequested) return (StopReason.Cancelled, $"cancelled during SR pre-training (step {i} of {steps})");
            var batch = _sampler.BatchAt(i % _options.Stop.MaxIterations);
            clock.Restart();
            var pixels = _images.ReadBatch(batch);
            double loss;
            using (var hr = TorchSharp.torch.tensor(pixels.Pixels, pixels.Shape))
                loss = pretraining.Step(hr, i);
            if (!double.IsFinite(loss)) return (StopReason.NonFiniteLoss, $"non-finite SR pre-training loss at step {i}");
            var values = new Dictionary<string, double> { ["sr_pretrain"] = loss, ["images_per_s"] = batch.Length / Math.Max(1e-9, clock.Elapsed.TotalSeconds) };
            log.Append(i, values);
            observer?.OnPretrainIteration(i, steps, loss);
        }
        return null;
    }

    private void SaveCheckpoint(JointTrainer trainer, long nextIteration, PlateauTracker plateau, ITrainingObserver? observer)
    {
        TrainingCheckpoint.Save(CheckpointPath, trainer, nextIteration, plateau);
        observer?.OnCheckpoint(CheckpointPath, nextIteration);
    }

    private TrainingRunResult End(ITrainingObserver? observer, (StopReason Reason, string Message) result, long iterations, double? accuracy)
    {
        var end = new TrainingRunResult(result.Reason, iterations, RunFolder, result.Message, accuracy);
        observer?.OnEnd(end);
        return end;
    }
}
