using System.Text.Json;
using SrFace.Cascade;
using SrFace.Data;
using SrFace.Evaluation;
using SrFace.Models.Pretrained;

namespace SrFace.Training;

/// <summary>Settings of <see cref="View2FineTuning.Run"/>.</summary>
public sealed record View2FineTuningOptions
{
    /// <summary>The LFW folder holding <c>pairs.txt</c>, <c>people.txt</c> and <c>lfw-deepfunneled/</c>.</summary>
    public required string LfwFolder { get; init; }

    /// <summary>The fine-tuning of every fold (<see cref="FineTuning.Defaults"/> with an iteration budget); the same for all folds.</summary>
    public required JointTrainingOptions Training { get; init; }

    /// <summary>The model store with the pretrained recogniser (the start of every fold and pipeline (a)).</summary>
    public required ModelStore Store { get; init; }

    /// <summary>Pairs of the other nine folds scored with fold k's model to choose its thresholds (balanced, evenly
    /// spread; their people were trained on, as View 1's DevTrain pairs); at least 2.</summary>
    public int ThresholdPairs { get; init; } = 600;

    /// <summary>1-based folds to run (default all ten); the aggregate covers the folds completed so far.</summary>
    public IReadOnlyList<int>? Folds { get; init; }

    /// <summary>Probe sizes, degradation, batch size and precision of the scoring.</summary>
    public LowResolutionBenchmarkOptions Benchmark { get; init; } = new();
}

/// <summary>One fold's outcome, saved as <c>fold-NN/scores.json</c> (the resume marker).</summary>
/// <param name="Fold">1-based fold.</param>
/// <param name="Iterations">Fine-tuning iterations completed.</param>
/// <param name="TrainingPeople">People fine-tuned on (the other folds' people with at least K images).</param>
/// <param name="IsSame">Ground truth of the fold's test pairs, in file order.</param>
/// <param name="Results">Per "pipeline@size": threshold (from the other folds' pairs), accuracy and test scores.</param>
public sealed record View2FoldResult(int Fold, long Iterations, int TrainingPeople, bool[] IsSame, Dictionary<string, View2FoldCell> Results);

/// <summary>One pipeline at one probe size in one fold.</summary>
/// <param name="Threshold">Best-accuracy cosine threshold on the threshold pairs.</param>
/// <param name="Accuracy">Accuracy on the fold's test pairs at that threshold, in [0, 1].</param>
/// <param name="Scores">Cosine score of every test pair, in file order.</param>
public sealed record View2FoldCell(double Threshold, double Accuracy, double[] Scores);

/// <summary>The aggregate over the completed folds for one pipeline at one probe size.</summary>
/// <param name="Pipeline">The pipeline.</param>
/// <param name="ProbeSize">Probe side in pixels.</param>
/// <param name="AccuracyMean">Mean of the fold accuracies.</param>
/// <param name="AccuracyStd">Population standard deviation of the fold accuracies.</param>
/// <param name="Verification">AUC, EER, TAR@FAR over the pooled test pairs of the completed folds.</param>
public sealed record View2Cell(RecognitionPipeline Pipeline, int ProbeSize, double AccuracyMean, double AccuracyStd, VerificationReport Verification);

/// <summary>
/// LFW View 2 with fine-tuning (issue 9): for each fold k of <c>pairs.txt</c>, the pretrained recogniser is fine-tuned
/// jointly with the SR model on the people of the other nine folds (<c>people.txt</c> lists the people of each fold), the
/// thresholds are chosen on pairs of the other folds and the fold's 600 pairs are scored by (a) the unmodified pretrained
/// recogniser + bicubic, (b) the fine-tuned recogniser + bicubic and (c) the cascade. Ten fine-tunings: hours on a CPU,
/// so the run resumes: a fold with <c>scores.json</c> is skipped, a fold with a checkpoint continues from it.
/// Faces are prepared once per run and kept in memory (C x S x S float32 each, 270 KB at 150 px: up to about 3.6 GB
/// once all of LFW has been seen).
/// </summary>
public static class View2FineTuning
{
    /// <summary>The file of the aggregate written in the output folder.</summary>
    public const string SummaryFile = "view2-finetune.json";

    /// <summary>Runs (or resumes) the folds and aggregates the completed ones.</summary>
    /// <param name="options">Settings.</param>
    /// <param name="folder">Output folder (one <c>fold-NN</c> subfolder per fold); created when missing.</param>
    /// <param name="log">Receives progress lines, or null.</param>
    /// <param name="cancellation">Stops after the current training iteration (a checkpoint is written).</param>
    /// <returns>The aggregate over the completed folds (empty when none completed).</returns>
    /// <exception cref="FileNotFoundException">When <c>pairs.txt</c> or <c>people.txt</c> is missing.</exception>
    /// <exception cref="InvalidOperationException">When a fold's training diverges, or a completed fold was fine-tuned with other options (<see cref="CheckSameOptions"/>).</exception>
    /// <exception cref="OperationCanceledException">When cancelled (completed folds and checkpoints are kept).</exception>
    public static IReadOnlyList<View2Cell> Run(View2FineTuningOptions options, string folder, Action<string>? log = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Fail before any face is prepared: building the models checks what the options alone cannot (e.g. more frozen
        // stages than the recogniser has).
        using (new JointTrainer(options.Training, options.Store)) { }
        var images = Path.Combine(options.LfwFolder, "lfw-deepfunneled");
        var pairs = LfwPairs.Read(Path.Combine(options.LfwFolder, "pairs.txt"), images);
        var people = PeopleList.Read(Path.Combine(options.LfwFolder, "people.txt"));
        var all = FaceDataset.FromIdentityFolders(images);
        Directory.CreateDirectory(folder);
        using var pretrained = FaceRecognitionCascade.FromPretrained(options.Training.Recognizer, options.Store);
        // One preprocessing stage for every fold, the training and the scoring: the pretrained recogniser's framing
        // (detection + alignment to its template when its catalogue entry asks for it), each file prepared once and
        // cached across the ten fine-tunings; an image without a detected face is framed by the centred crop.
        var preprocessing = pretrained.Preprocessing;
        var preparer = new FacePreparer(preprocessing, pretrained.Detector, centredCropWhenNoFace: true);
        var faces = new FaceImageLoader(all, preparer, cacheCrops: true);
        var results = new List<View2FoldResult>();
        foreach (var fold in options.Folds ?? Enumerable.Range(1, pairs.FoldCount).ToArray())
        {
            var k = fold - 1;
            var foldFolder = Path.Combine(folder, $"fold-{fold:D2}");
            var scoresFile = Path.Combine(foldFolder, "scores.json");
            if (File.Exists(scoresFile))
            {
                CheckSameOptions(Path.Combine(foldFolder, "finetuned"), options.Training);
                results.Add(JsonSerializer.Deserialize<View2FoldResult>(File.ReadAllText(scoresFile))!);
                log?.Invoke($"fold {fold}: done before, scores read from {scoresFile}");
                continue;
            }
            cancellation.ThrowIfCancellationRequested();
            var held = people.People.Where(p => p.Fold == k).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var train = all.WithoutIdentities(held).WithMinImagesPerIdentity(options.Training.ImagesPerIdentity);
            var loader = faces.WithDataset(train);
            log?.Invoke($"fold {fold}: fine-tuning on {train.Identities.Count} people / {train.Count} images (fold {fold}'s {held.Count} people held out)");
            var run = new TrainingRun(options.Training, loader, Path.Combine(foldFolder, "finetuned"));
            using var trainer = new JointTrainer(options.Training, options.Store);
            var outcome = run.Run(trainer, null, resume: true, cancellation);
            if (outcome.Reason == StopReason.Cancelled) throw new OperationCanceledException($"fold {fold} cancelled; its checkpoint is in {run.RunFolder}");
            if (outcome.Reason == StopReason.NonFiniteLoss) throw new InvalidOperationException($"fold {fold}: {outcome.Message}");
            using var cascade = trainer.ToCascade(preprocessing);
            cascade.Save(Path.Combine(run.RunFolder, "cascade" + FaceRecognitionCascade.Extension));

            var test = pairs.Pairs.Where(p => p.Fold == k).ToArray();
            if (test.Any(p => train.Contains(p.IdentityA) || train.Contains(p.IdentityB)))
                throw new ProtocolViolationException($"fold {fold}: a test pair's person was fine-tuned on; people.txt and pairs.txt disagree.");
            var thresholdPairs = Spread(pairs.Pairs.Where(p => p.Fold != k).ToArray(), options.ThresholdPairs);
            var benchmark = new LowResolutionBenchmark(cascade, pretrained, options.Benchmark);
            var pairLoader = faces.WithDataset(new FaceDataset("lfw pairs", test.Concat(thresholdPairs)
                .SelectMany(p => new[] { (p.PathA, p.IdentityA), (p.PathB, p.IdentityB) }).Distinct()));
            log?.Invoke($"fold {fold}: scoring {test.Length} test pairs and {thresholdPairs.Count} threshold pairs");
            var testScores = benchmark.Score(test, pairLoader);
            var thresholdScores = benchmark.Score(thresholdPairs, pairLoader);
            var cells = new Dictionary<string, View2FoldCell>();
            foreach (var pipeline in benchmark.Pipelines)
                foreach (var size in benchmark.ProbeSizes)
                {
                    var threshold = VerificationThreshold.BestThreshold(thresholdScores.Scored(pipeline, size)).Threshold;
                    cells[Key(pipeline, size)] = new View2FoldCell(threshold,
                        VerificationThreshold.AccuracyAt(testScores.Scored(pipeline, size), threshold), testScores.Scores(pipeline, size).ToArray());
                }
            var result = new View2FoldResult(fold, outcome.IterationsCompleted, train.Identities.Count, test.Select(p => p.IsSame).ToArray(), cells);
            AtomicFile.WriteText(scoresFile, JsonSerializer.Serialize(result));
            results.Add(result);
            if (preparer.Aligns)
                log?.Invoke($"fold {fold}: {faces.CachedCount} faces prepared so far; no face found in {preparer.FallbackFiles.Count} (centred crop used)");
        }
        var summary = Aggregate(results, options.Benchmark.ResolveProbeSizes(options.Training.InputSize));
        AtomicFile.WriteText(Path.Combine(folder, SummaryFile), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        return summary;
    }

    /// <summary>Mean +- std of the fold accuracies and pooled AUC / TAR@FAR per pipeline and probe size.</summary>
    /// <param name="folds">Completed folds.</param>
    /// <param name="probeSizes">Probe sizes to report.</param>
    /// <returns>One cell per pipeline and size (empty without folds).</returns>
    public static IReadOnlyList<View2Cell> Aggregate(IReadOnlyList<View2FoldResult> folds, IReadOnlyList<int> probeSizes)
    {
        var cells = new List<View2Cell>();
        if (folds.Count == 0) return cells;
        foreach (var pipeline in Enum.GetValues<RecognitionPipeline>())
            foreach (var size in probeSizes)
            {
                var key = Key(pipeline, size);
                if (!folds.All(f => f.Results.ContainsKey(key))) continue;
                var accuracies = folds.Select(f => f.Results[key].Accuracy).ToArray();
                var mean = accuracies.Average();
                var std = Math.Sqrt(accuracies.Select(a => (a - mean) * (a - mean)).Average());
                var pooled = folds.SelectMany(f => f.Results[key].Scores.Select((s, i) => new ScoredPair(s, f.IsSame[i], f.Fold - 1))).ToArray();
                cells.Add(new View2Cell(pipeline, size, mean, std, VerificationReport.Evaluate(pooled)));
            }
        return cells;
    }

    /// <summary>
    /// Refuses to mix configurations in one benchmark folder: a completed fold whose run folder saved other training options
    /// (other flags, iterations or seed) than this run's would be aggregated with folds trained otherwise. A fold with a
    /// checkpoint is checked by <see cref="TrainingCheckpoint"/> when it resumes.
    /// </summary>
    /// <param name="runFolder">The fold's run folder (holding <see cref="TrainingRun.OptionsFileName"/>).</param>
    /// <param name="training">This run's options.</param>
    /// <exception cref="InvalidOperationException">When the saved options differ.</exception>
    public static void CheckSameOptions(string runFolder, JointTrainingOptions training)
    {
        var saved = Path.Combine(runFolder, TrainingRun.OptionsFileName);
        if (!File.Exists(saved)) return;
        var (before, now) = (File.ReadAllText(saved), TrainingOptionsJson.Serialize(training));
        if (before == now) return;
        throw new InvalidOperationException($"{saved} was fine-tuned with other options than this run's ({DifferingOptions(before, now)}); give the flags (and --iterations, --seed) of the run that made the folder, or a new --out.");
    }

    /// <summary>The top-level options whose saved and current JSON differ, as "Name: saved -> now" (a few at most).</summary>
    private static string DifferingOptions(string savedJson, string currentJson)
    {
        try
        {
            using var saved = JsonDocument.Parse(savedJson);
            using var current = JsonDocument.Parse(currentJson);
            string? Text(JsonDocument d, string name) => d.RootElement.TryGetProperty(name, out var v) ? v.GetRawText() : null;
            var names = saved.RootElement.EnumerateObject().Select(p => p.Name).Union(current.RootElement.EnumerateObject().Select(p => p.Name));
            var differing = names.Where(n => Text(saved, n) != Text(current, n)).Select(n => $"{n}: {Text(saved, n) ?? "absent"} -> {Text(current, n) ?? "absent"}").ToList();
            return differing.Count == 0 ? "the files differ in layout only" : string.Join("; ", differing.Take(4)) + (differing.Count > 4 ? $"; {differing.Count - 4} more" : "");
        }
        catch (JsonException)
        {
            return "the saved file is not readable JSON";
        }
    }

    private static string Key(RecognitionPipeline pipeline, int size) => $"{pipeline}@{size}";

    private static IReadOnlyList<FacePair> Spread(IReadOnlyList<FacePair> pairs, int count)
    {
        var matched = pairs.Where(p => p.IsSame).ToArray();
        var mismatched = pairs.Where(p => !p.IsSame).ToArray();
        IEnumerable<FacePair> Take(FacePair[] list, int n) =>
            Enumerable.Range(0, Math.Min(n, list.Length)).Select(i => list[(int)((long)i * list.Length / Math.Min(n, list.Length))]);
        return Take(matched, count / 2).Concat(Take(mismatched, count - count / 2)).ToArray();
    }
}
