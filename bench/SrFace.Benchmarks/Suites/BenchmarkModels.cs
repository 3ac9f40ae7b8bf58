using SrFace.Models.Pretrained;
using SrFace.Runtime;
using SrFace.Training;

namespace SrFace.Benchmarks.Suites;

/// <summary>The model set-ups the suites time, in one place so the report and the code agree.</summary>
internal static class BenchmarkModels
{
    /// <summary>P, identities per training batch.</summary>
    public const int Identities = 16;

    /// <summary>K, images per identity: P x K = 64 HR images per step.</summary>
    public const int PerIdentity = 4;

    /// <summary>The model store of the pretrained weights, where the CLI looks for it (SRFACE_MODELS, else the XDG cache, else ~/.cache).</summary>
    public static ModelStore Store() => new(ModelStore.ResolveRoot(null, Environment.GetEnvironmentVariable(ModelStore.EnvironmentVariable),
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME"), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)));

    /// <summary>Short precision label used in tables and JSON.</summary>
    public static string Label(ComputePrecision precision) => precision == ComputePrecision.BFloat16 ? "bf16" : "fp32";

    /// <summary>
    /// The joint set-up of the suites: FSRCNN (d=56, s=12, m=4) x4 + FaceResNet-18 (width 32, D=128) at
    /// <paramref name="size"/> px, SGD, L1 reconstruction, no degradation noise.
    /// </summary>
    public static JointTrainingOptions Joint(int size, ComputePrecision precision) => new()
    {
        Mode = TrainingMode.Joint,
        SuperResolutionModel = "fsrcnn",
        SuperResolutionWidth = 56,
        SuperResolutionBlocks = 4,
        Recognizer = "face-resnet18",
        RecognizerWidth = 32,
        EmbeddingSize = 128,
        InputSize = size,
        IdentitiesPerBatch = Identities,
        ImagesPerIdentity = PerIdentity,
        Precision = precision,
        Stop = new StopConditions(MaxIterations: 100_000),
    };

    /// <summary>The HR-only baseline of the same recogniser (no SR model; the recogniser sees the N HR images only).</summary>
    public static JointTrainingOptions RecognizerOnly(int size, ComputePrecision precision, int width = 32, int identities = Identities) =>
        Joint(size, precision) with { Mode = TrainingMode.RecognizerOnly, RecognizerWidth = width, IdentitiesPerBatch = identities };

    /// <summary>The fine-tuning step of <c>srface demo</c>: <see cref="FineTuning.Defaults"/> (dlib-resnet + vdsr) at <paramref name="precision"/>.</summary>
    public static JointTrainingOptions FineTune(ComputePrecision precision) =>
        FineTuning.Defaults() with { Precision = precision, Stop = new StopConditions(MaxIterations: 100_000) };

    /// <summary>A P x K batch of <paramref name="options"/>' shape at its input size, taken from the suites' 16 x 4 faces
    /// (the first K images of the first P identities): HR <c>[P K, 3, S, S]</c> in [0, 1] and labels <c>[P K]</c>.</summary>
    public static (TorchSharp.torch.Tensor Images, TorchSharp.torch.Tensor Labels) FineTuneBatch(Harness.FaceBatches faces, JointTrainingOptions options)
    {
        var (hr, labels) = faces.Load(options.InputSize);
        var rows = Enumerable.Range(0, options.IdentitiesPerBatch)
            .SelectMany(p => Enumerable.Range(0, options.ImagesPerIdentity).Select(k => (long)(p * PerIdentity + k))).ToArray();
        using var index = TorchSharp.torch.tensor(rows);
        return (hr.index_select(0, index), labels.index_select(0, index));
    }
}
