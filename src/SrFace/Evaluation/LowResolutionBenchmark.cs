using SrFace.Cascade;
using SrFace.Data;
using SrFace.Degradation;
using static TorchSharp.torch;

namespace SrFace.Evaluation;

/// <summary>
/// The low-resolution verification benchmark that tests the method's claim (METHOD.md, "evaluation that proves the
/// claim"): for every pair the first image stays sharp (HR, S x S) and the second is degraded to each probe size p;
/// the pair is scored (cosine) by up to three <see cref="RecognitionPipeline"/>s on exactly the same pixels.
/// </summary>
/// <remarks>
/// <para>Pipelines: (a) <see cref="RecognitionPipeline.BaselineBicubic"/> needs a baseline model (recogniser trained on
/// HR only) and is skipped without one; (b) and (c) use the joint model. The HR side is always
/// <see cref="FaceRecognitionCascade.EmbedRecognizerOnly"/> of the pipeline's model. With
/// <see cref="FeatureFusion.Concatenate"/> the cascade's probe embedding is 2D wide; the HR embedding e is then taken as
/// <c>[e, e] / sqrt 2</c> (a sharp face is its own restoration), so the cosine is the mean of the probe-HR and
/// restored-HR cosines.</para>
/// <para>Work is done pair batch by pair batch (<see cref="LowResolutionBenchmarkOptions.BatchSize"/>): each image is
/// decoded once, its HR embeddings are computed once per model and reused for every probe size, and every batch runs
/// in its own dispose scope, so memory stays flat whatever the pair count.</para>
/// </remarks>
public sealed class LowResolutionBenchmark
{
    /// <summary>Creates the benchmark.</summary>
    /// <param name="joint">The jointly trained cascade (pipelines (b) and (c)); not disposed.</param>
    /// <param name="baseline">The HR-only recogniser (pipeline (a)), or null to skip (a); not disposed.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <exception cref="ArgumentException">When the baseline's input size or face crop differs from the joint model's.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When the options are out of range.</exception>
    public LowResolutionBenchmark(FaceRecognitionCascade joint, FaceRecognitionCascade? baseline, LowResolutionBenchmarkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(joint);
        Options = options ?? new LowResolutionBenchmarkOptions();
        Options.Validate();
        if (baseline is not null && baseline.Preprocessing != joint.Preprocessing)
            throw new ArgumentException($"The baseline model prepares faces as {baseline.Preprocessing}, the joint model as {joint.Preprocessing}; both must use the same crop and input size so they see the same pixels.", nameof(baseline));
        Joint = joint;
        Baseline = baseline;
        ProbeSizes = Options.ResolveProbeSizes(joint.InputSize);
        Pipelines = baseline is null
            ? [RecognitionPipeline.JointBicubic, RecognitionPipeline.Cascade]
            : [RecognitionPipeline.BaselineBicubic, RecognitionPipeline.JointBicubic, RecognitionPipeline.Cascade];
    }

    /// <summary>The joint model.</summary>
    public FaceRecognitionCascade Joint { get; }

    /// <summary>The baseline model, or null (pipeline (a) skipped).</summary>
    public FaceRecognitionCascade? Baseline { get; }

    /// <summary>The settings.</summary>
    public LowResolutionBenchmarkOptions Options { get; }

    /// <summary>Probe sides in pixels, ascending.</summary>
    public IReadOnlyList<int> ProbeSizes { get; }

    /// <summary>The pipelines that run ((a) only with a baseline).</summary>
    public IReadOnlyList<RecognitionPipeline> Pipelines { get; }

    /// <summary>Recogniser input side S in pixels.</summary>
    public int InputSize => Joint.InputSize;

    /// <summary>
    /// A loader of the images of <paramref name="pairs"/> with the joint model's preprocessing at S. When the model
    /// aligns faces, each file is detected once (cached) and a file without a detected face falls back to the centred
    /// crop, listed in <see cref="DetectionFallbacks"/>: the protocol scores every pair.
    /// </summary>
    /// <param name="pairs">The pairs whose images will be loaded.</param>
    /// <returns>The loader.</returns>
    public FaceImageLoader CreateLoader(IEnumerable<FacePair> pairs)
    {
        var items = pairs.SelectMany(p => new[] { (p.PathA, p.IdentityA), (p.PathB, p.IdentityB) }).Distinct();
        var preparer = new FacePreparer(Joint.Preprocessing, Joint.Detector, centredCropWhenNoFace: true);
        _preparers.Add(preparer);
        return new FaceImageLoader(new FaceDataset("lfw pairs", items), preparer, cacheCrops: preparer.Aligns);
    }

    /// <summary>Image files of the loaders made so far in which no face was detected (the centred crop was scored instead).</summary>
    public IReadOnlyList<string> DetectionFallbacks => _preparers.SelectMany(p => p.FallbackFiles).Distinct().Order(StringComparer.Ordinal).ToList();

    private readonly List<FacePreparer> _preparers = [];

    /// <summary>Degrades HR faces to one probe size, deterministically per (seed, batch, probe size).</summary>
    /// <param name="hr">HR faces <c>[N, C, S, S]</c> float32 in [0, 1]; not disposed.</param>
    /// <param name="probeSize">Probe side p in pixels.</param>
    /// <param name="batchIndex">Position of the batch (part of the seed).</param>
    /// <returns>Probes <c>[N, C, p, p]</c> float32 in [0, 1].</returns>
    public Tensor DegradeProbes(Tensor hr, int probeSize, int batchIndex)
    {
        var degradation = new FaceDegradation(Options.Degradation with { TargetHeight = probeSize, TargetWidth = probeSize });
        var seed = unchecked(Options.Seed + 1_000_003 * batchIndex + 7_919 * probeSize);
        return degradation.Degrade(hr, seed);
    }

    /// <summary>Scores every pair under every pipeline and probe size.</summary>
    /// <param name="pairs">The pairs; the first image is the HR gallery face, the second becomes the probe.</param>
    /// <param name="images">Loader of the pair images at S x S (see <see cref="CreateLoader"/>).</param>
    /// <param name="progress">Receives the number of pairs done after each batch, or null.</param>
    /// <returns>The cosine score table.</returns>
    /// <exception cref="ArgumentException">When the loader's crop size differs from S or there are no pairs.</exception>
    /// <exception cref="FileNotFoundException">When a pair image is missing.</exception>
    /// <exception cref="InvalidDataException">When a model gives a NaN or infinite similarity (names the model file and the pair).</exception>
    public PairScoreTable Score(IReadOnlyList<FacePair> pairs, FaceImageLoader images, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(images);
        if (pairs.Count == 0) throw new ArgumentException("No pairs to score.", nameof(pairs));
        if (images.Preprocessing.Size != InputSize)
            throw new ArgumentException($"The loader crops faces to {images.Preprocessing.Size} px but the model input is {InputSize} px.", nameof(images));

        var (jointPrecision, baselinePrecision) = (Joint.Precision, Baseline?.Precision);
        if (Options.Precision is { } precision)
        {
            Joint.Precision = precision;
            if (Baseline is not null) Baseline.Precision = precision;
        }
        try
        {
            return ScoreBatches(pairs, images, progress);
        }
        finally
        {
            Joint.Precision = jointPrecision;
            if (Baseline is not null) Baseline.Precision = baselinePrecision!.Value;
        }
    }

    private PairScoreTable ScoreBatches(IReadOnlyList<FacePair> pairs, FaceImageLoader images, IProgress<int>? progress)
    {
        var scores = Pipelines.SelectMany(pl => ProbeSizes.Select(p => (pl, p))).ToDictionary(k => k, _ => new double[pairs.Count]);
        for (int start = 0, batch = 0; start < pairs.Count; start += Options.BatchSize, batch++)
        {
            using var scope = NewDisposeScope();
            var chunk = pairs.Skip(start).Take(Options.BatchSize).ToArray();
            var gallery = images.LoadFiles(chunk.Select(p => p.PathA).ToArray());
            var probesHr = images.LoadFiles(chunk.Select(p => p.PathB).ToArray());
            var jointHr = Joint.EmbedRecognizerOnly(gallery);
            var baselineHr = Baseline?.EmbedRecognizerOnly(gallery);
            foreach (var size in ProbeSizes)
            {
                using var sizeScope = NewDisposeScope();
                var probes = DegradeProbes(probesHr, size, batch);
                var jointProbe = Joint.EmbedRecognizerOnly(probes); // (b), and the probe half of (c): computed once
                foreach (var pipeline in Pipelines)
                {
                    var (hr, probe) = pipeline switch
                    {
                        RecognitionPipeline.BaselineBicubic => (baselineHr!, Baseline!.EmbedRecognizerOnly(probes)),
                        RecognitionPipeline.JointBicubic => (jointHr, jointProbe),
                        _ => (jointHr, Joint.EmbedLowResolution(probes, jointProbe)),
                    };
                    var cosines = IdentitySimilarity.PerPair(MatchWidth(hr, probe.shape[1]), probe);
                    RequireFinite(cosines, chunk, pipeline, size);
                    cosines.CopyTo(scores[(pipeline, size)], start);
                }
            }
            progress?.Report(start + chunk.Length);
        }
        return new PairScoreTable(pairs, scores.ToDictionary(kv => (kv.Key.pl, kv.Key.p), kv => kv.Value));
    }

    /// <summary>A NaN score would enter the accuracy as a wrong answer; it is an error naming the model file and the pair.</summary>
    private void RequireFinite(double[] cosines, FacePair[] chunk, RecognitionPipeline pipeline, int size)
    {
        var bad = Array.FindIndex(cosines, c => !double.IsFinite(c));
        if (bad < 0) return;
        var model = pipeline == RecognitionPipeline.BaselineBicubic ? Baseline! : Joint;
        throw new InvalidDataException($"{model.SourcePath ?? "the model"}: pipeline {pipeline} at {size} px gives a similarity of {cosines[bad]} for {chunk[bad].PathA} and {chunk[bad].PathB} (damaged or diverged weights); no accuracy can be computed.");
    }

    /// <summary>HR embeddings <c>[N, D]</c> widened to <c>[N, 2D]</c> as <c>[e, e] / sqrt 2</c> when the probe is concatenated.</summary>
    private Tensor MatchWidth(Tensor hr, long width) =>
        hr.shape[1] == width ? hr : hr.shape[1] * 2 == width ? Joint.ToFusedWidth(hr)
            : throw new InvalidOperationException($"HR embeddings are {hr.shape[1]} wide, probe embeddings {width}.");
}
