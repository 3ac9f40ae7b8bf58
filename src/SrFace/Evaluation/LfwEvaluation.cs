using System.Diagnostics;
using System.Globalization;
using SrFace.Cascade;
using SrFace.Data;

namespace SrFace.Evaluation;

/// <summary>Settings of <see cref="LfwEvaluation.Run"/>.</summary>
public sealed record LfwEvaluationOptions
{
    /// <summary>Folder holding <c>pairsDevTrain.txt</c>, <c>pairsDevTest.txt</c> and <c>pairs.txt</c>.</summary>
    public required string PairsFolder { get; init; }

    /// <summary>The <c>lfw-deepfunneled</c> folder (one folder per person).</summary>
    public required string ImagesFolder { get; init; }

    /// <summary>Run LFW View 1.</summary>
    public bool View1 { get; init; } = true;

    /// <summary>Run LFW View 2.</summary>
    public bool View2 { get; init; } = true;

    /// <summary>People the models were trained on (guard and View 2 exclusion); null skips both, which the report states.</summary>
    public IReadOnlySet<string>? TrainingIdentities { get; init; }

    /// <summary>Probe sizes, degradation, batch size, FARs.</summary>
    public LowResolutionBenchmarkOptions Benchmark { get; init; } = new();

    /// <summary>Held-out faces for SR quality (the first distinct DevTest images), 0 to skip.</summary>
    public int SrQualityFaces { get; init; } = 200;

    /// <summary>Faces in the sample grid, at least 1.</summary>
    public int SampleFaces { get; init; } = 6;

    /// <summary>The command line to record in the report.</summary>
    public string CommandLine { get; init; } = "";
}

/// <summary>
/// The whole evaluation behind <c>srface evaluate</c>: reads the LFW pair files, runs <see cref="LfwProtocols.View1"/>
/// and/or <see cref="LfwProtocols.View2"/> on a <see cref="LowResolutionBenchmark"/>, measures
/// <see cref="SuperResolutionQuality"/>, chooses the calibration threshold and writes the report and figures.
/// </summary>
public static class LfwEvaluation
{
    /// <summary>Pair file names inside <see cref="LfwEvaluationOptions.PairsFolder"/>.</summary>
    public const string DevTrainFile = "pairsDevTrain.txt", DevTestFile = "pairsDevTest.txt", View2File = "pairs.txt";

    /// <summary>Runs the evaluation and writes <see cref="EvaluationReport"/> files into <paramref name="outputFolder"/>.</summary>
    /// <param name="joint">The jointly trained cascade; not disposed.</param>
    /// <param name="jointPath">Its file (for the report).</param>
    /// <param name="baseline">The HR-only recogniser, or null (pipeline (a) skipped, stated in the report); not disposed.</param>
    /// <param name="baselinePath">Its file, or null.</param>
    /// <param name="options">What to run.</param>
    /// <param name="outputFolder">Created when missing; report files are overwritten.</param>
    /// <param name="progress">Receives (phase, pairs done), or null.</param>
    /// <returns>The report (already written).</returns>
    /// <exception cref="FileNotFoundException">When a needed pairs file or image is missing.</exception>
    /// <exception cref="LfwFileFormatException">When a pairs file is malformed.</exception>
    /// <exception cref="ProtocolViolationException">When a DevTest identity was trained on.</exception>
    /// <exception cref="ArgumentException">When neither view is selected or the models do not fit together.</exception>
    public static EvaluationReport Run(FaceRecognitionCascade joint, string jointPath, FaceRecognitionCascade? baseline, string? baselinePath,
        LfwEvaluationOptions options, string outputFolder, IProgress<(string Phase, int Done)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.View1 && !options.View2) throw new ArgumentException("Select at least one protocol (View 1 or View 2).", nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SampleFaces, 1);
        var clock = Stopwatch.StartNew();
        var benchmark = new LowResolutionBenchmark(joint, baseline, options.Benchmark);
        var trained = options.TrainingIdentities;
        var devTestPath = Path.Combine(options.PairsFolder, DevTestFile);
        LfwPairs Read(string file) => LfwPairs.Read(RequireFile(Path.Combine(options.PairsFolder, file)), options.ImagesFolder);

        var devTest = options.View1 || File.Exists(devTestPath) ? Read(DevTestFile) : null;
        var view1 = options.View1 ? LfwProtocols.View1(benchmark, Read(DevTrainFile), devTest!, trained, progress) : null;
        var view2 = options.View2 ? LfwProtocols.View2(benchmark, Read(View2File), trained, progress) : null;

        // Held-out faces: DevTest images (never trained on when the guard passed), else the evaluated View 2 pairs.
        var heldOut = (devTest?.Pairs ?? view2!.TestScores.Pairs)
            .SelectMany(p => new[] { (p.PathA, p.IdentityA), (p.PathB, p.IdentityB) })
            .Where(f => trained is null || !trained.Contains(f.Item2)).Select(f => f.Item1).Distinct().ToArray();
        var loader = benchmark.CreateLoader(devTest?.Pairs ?? view2!.TestScores.Pairs);
        var srFaces = heldOut.Take(options.SrQualityFaces).ToArray();
        var srQuality = srFaces.Length > 0 ? SuperResolutionQuality.Measure(benchmark, srFaces, loader) : [];

        var notes = new List<string>();
        if (baseline is null) notes.Add("No baseline model was given: pipeline (a) (HR-only recogniser + bicubic) was skipped.");
        if (joint.SuperResolution is null) notes.Add("The joint model has no SR model: pipeline (c) equals bicubic upsampling.");
        if (joint.Preparer.Aligns)
        {
            var fallbacks = benchmark.DetectionFallbacks;
            notes.Add($"Faces were detected and aligned ({joint.Preprocessing.Alignment}) on every image before degradation; " +
                (fallbacks.Count == 0 ? "a face was found in every image."
                    : $"no face was found in {fallbacks.Count} image(s), whose centred crop was scored instead: " +
                      string.Join(", ", fallbacks.Take(50).Select(f => Path.GetFileName(f))) + (fallbacks.Count > 50 ? ", ..." : "") + "."));
        }
        CalibrationChoice? calibration = null;
        if (view1 is not null)
        {
            var (threshold, size) = LfwProtocols.CalibrationThreshold(view1, joint.LowResolutionSize);
            calibration = new CalibrationChoice(threshold, size,
                $"the View 1 DevTrain best-accuracy threshold of pipeline (c) at the probe size closest to the model's own LR input ({joint.LowResolutionSize} px = S/{joint.Manifest.Scale}), " +
                "where the cascade is meant to work (a low-quality probe against a sharp gallery face); DevTest never influences it.");
        }
        else notes.Add("View 1 was not run, so no calibration threshold is proposed.");

        var models = new List<EvaluatedModel> { Describe("joint", jointPath, joint) };
        if (baseline is not null) models.Add(Describe("baseline", baselinePath ?? "(in memory)", baseline));
        var d = benchmark.Options.Degradation;
        var degradation = $"bicubic antialiased downsampling of the second image to p x p" +
            (d.BlurSigma.IsZero ? "" : $", blur sigma {d.BlurSigma}") + (d.NoiseSigma.IsZero ? "" : $", noise sigma {d.NoiseSigma}") +
            (d.JpegQuality is { } q ? $", JPEG quality {q}" : "") + $"; seed {benchmark.Options.Seed}";
        var report = new EvaluationReport(options.CommandLine, DateTime.UtcNow.ToString("s", CultureInfo.InvariantCulture) + "Z", models,
            benchmark.InputSize, benchmark.ProbeSizes, degradation, view1, view2, srQuality,
            $"{srFaces.Length} held-out faces (the first distinct images of {(devTest is null ? "the evaluated View 2 pairs" : DevTestFile)}, untrained identities only).",
            calibration, notes, 0);

        var sampleHr = loader.LoadFiles(heldOut.Take(options.SampleFaces).ToArray());
        using (sampleHr) SuperResolutionQuality.WriteSampleGrid(benchmark, sampleHr, report.X4ProbeSize, Path.Combine(outputFolder, EvaluationReport.SamplesFigure));
        report = report with { ElapsedSeconds = clock.Elapsed.TotalSeconds };
        report.Write(outputFolder);
        return report;
    }

    private static EvaluatedModel Describe(string role, string path, FaceRecognitionCascade model) =>
        new(role, path, model.Manifest.Description, model.InputSize, model.Manifest.Scale, model.Manifest.SuperResolutionModel, model.Manifest.Fusion.ToString());

    private static string RequireFile(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"LFW pairs file not found: {path}", path);
}
