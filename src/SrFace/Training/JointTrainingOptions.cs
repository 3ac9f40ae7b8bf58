using SrFace.Degradation;
using SrFace.Losses;
using SrFace.Runtime;

namespace SrFace.Training;

/// <summary>Which gradient-descent optimiser updates a model.</summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent with momentum and weight decay (the variant the patent claims).</summary>
    Sgd,

    /// <summary>
    /// Adam (Kingma and Ba, ICLR 2015), built as TorchSharp's AdamW (decoupled weight decay, Loshchilov and Hutter, ICLR
    /// 2019): with weight decay 0 (the SR default) the two are the same update; with weight decay &gt; 0 this is AdamW,
    /// not Adam's L2 penalty. The name stays "Adam" because it is written in options.json and presets.
    /// </summary>
    Adam,
}

/// <summary>What the recogniser is trained on.</summary>
public enum TrainingMode
{
    /// <summary>METHOD.md steps 2-9: SR and recogniser jointly; the recogniser sees the merged HR + LR + restored target set.</summary>
    Joint,

    /// <summary>The HR-only baseline: no SR model, the recogniser sees the HR input images only (pipeline (a) of the evaluation).</summary>
    RecognizerOnly,
}

/// <summary>How one model is optimised.</summary>
/// <param name="Kind">SGD (default, as claimed) or Adam.</param>
/// <param name="LearningRate">Peak learning rate, &gt; 0.</param>
/// <param name="Momentum">SGD momentum in [0, 1).</param>
/// <param name="WeightDecay">L2 weight decay, &gt;= 0.</param>
/// <param name="Schedule">Learning-rate curve over the run.</param>
/// <param name="WarmupIterations">Iterations of linear warm-up.</param>
public sealed record OptimizerOptions(
    OptimizerKind Kind = OptimizerKind.Sgd,
    double LearningRate = 0.01,
    double Momentum = 0.9,
    double WeightDecay = 5e-4,
    LearningRateShape Schedule = LearningRateShape.Cosine,
    long WarmupIterations = 50);

/// <summary>
/// Everything that defines a joint training run, validated once and saved as <c>options.json</c> in the run folder
/// (defaults &lt;- preset file &lt;- command-line flags, STYLE.md point 11). Nothing below the CLI reads arguments.
/// </summary>
public sealed record JointTrainingOptions
{
    /// <summary>Joint (the method) or the HR-only recogniser baseline.</summary>
    public TrainingMode Mode { get; init; } = TrainingMode.Joint;

    /// <summary>SR model name in <see cref="Models.ModelCatalog.SuperResolution"/> ("srcnn", "fsrcnn", "srgan").</summary>
    public string SuperResolutionModel { get; init; } = "fsrcnn";

    /// <summary>Optional SR width override (FSRCNN d, SRCNN n1, SRResNet channels); null = the paper's value.</summary>
    public int? SuperResolutionWidth { get; init; }

    /// <summary>Optional SR depth override (FSRCNN m, SRResNet residual blocks B); null = the model's default.</summary>
    public int? SuperResolutionBlocks { get; init; }

    /// <summary>
    /// SR output = network output + bicubic upsampling of the LR input (global residual learning, VDSR-style): the SR
    /// model starts at bicubic quality instead of below it, which short CPU runs need. False trains the papers' form.
    /// </summary>
    public bool SuperResolutionResidual { get; init; } = true;

    /// <summary>Recogniser name in <see cref="Models.ModelCatalog.Recognizers"/> (e.g. "face-resnet18", "mobilefacenet").</summary>
    public string Recognizer { get; init; } = "face-resnet18";

    /// <summary>Recogniser base width (FaceResNet w); null = the model's default.</summary>
    public int? RecognizerWidth { get; init; } = 32;

    /// <summary>Embedding width D.</summary>
    public int EmbeddingSize { get; init; } = 128;

    /// <summary>Recogniser input side S in pixels (HR images are this size).</summary>
    public int InputSize { get; init; } = 64;

    /// <summary>Image channels (3 = RGB, 1 = grey).</summary>
    public int Channels { get; init; } = 3;

    /// <summary>How HR images are degraded (METHOD.md step 2); its scale is the SR model's scale.</summary>
    public DegradationOptions Degradation { get; init; } = new(Scale: 4);

    /// <summary>P: identities per batch, &gt;= 2.</summary>
    public int IdentitiesPerBatch { get; init; } = 16;

    /// <summary>K: images per identity in a batch, &gt;= 2 (every batch then has matched pairs).</summary>
    public int ImagesPerIdentity { get; init; } = 4;

    /// <summary>
    /// The SR model's optimiser. Default Adam, lr 1e-3, no weight decay: measured on LFW 64 px x4 FSRCNN (200
    /// iterations, per-pixel mean L1), SGD with momentum at lr 0.02 and 0.5 stayed at or above the bicubic L1 and lr 2
    /// diverged, while Adam went from 0.0376 to 0.0331 (bicubic 0.0380). SGD, the patent's claim, stays available.
    /// </summary>
    public OptimizerOptions SuperResolutionOptimizer { get; init; } = new(OptimizerKind.Adam, LearningRate: 1e-3, WeightDecay: 0);

    /// <summary>The recogniser's optimiser.</summary>
    public OptimizerOptions RecognizerOptimizer { get; init; } = new(OptimizerKind.Sgd, LearningRate: 0.05);

    /// <summary>Reconstruction loss of METHOD.md step 4.</summary>
    public ReconstructionLossKind ReconstructionLoss { get; init; } = ReconstructionLossKind.L1;

    /// <summary>Contrastive margin m (METHOD.md step 8) on distances of unit vectors, in (0, 2].</summary>
    public double Margin { get; init; } = 1.0;

    /// <summary>
    /// Identity weight lambda &gt;= 0: the contrastive loss of the restored images is also back-propagated into the SR
    /// model with this weight. 0 is the patent's literal variant (the SR model learns from the reconstruction loss
    /// only); &gt; 0 is the identity-preserving variant of the literature.
    /// </summary>
    public double IdentityWeight { get; init; }

    /// <summary>SRGAN only: weight of the generator's adversarial loss (Ledig et al. use 1e-3).</summary>
    public double AdversarialWeight { get; init; } = 1e-3;

    /// <summary>
    /// SRGAN only: weight of the identity content loss, 1 - cos(recogniser(SR), recogniser(HR)). It replaces SRGAN's
    /// VGG perceptual loss, for which no pretrained network is available here.
    /// </summary>
    public double IdentityContentWeight { get; init; } = 0.1;

    /// <summary>When training stops (METHOD.md step 9).</summary>
    public StopConditions Stop { get; init; } = new(MaxIterations: 1000);

    /// <summary>Write a checkpoint every this many iterations (and at the end), &gt;= 1; <see cref="TrainingRun.CheckpointInterval"/>
    /// also writes one every 2 minutes, whichever comes first.</summary>
    public int CheckpointEvery { get; init; } = 100;

    /// <summary>Seed of every random choice: weights, batches, degradations, dropout.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Compute precision of convolutions and linear layers (float32 master weights either way).</summary>
    public ComputePrecision Precision { get; init; } = ComputePrecision.BFloat16;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentException">When an option is out of range; the message names it.</exception>
    public void Validate()
    {
        Require(IdentitiesPerBatch >= 2, "IdentitiesPerBatch (P) must be >= 2");
        Require(ImagesPerIdentity >= 2, "ImagesPerIdentity (K) must be >= 2 so every batch has matched pairs");
        Require(InputSize >= 8, "InputSize must be >= 8 px");
        Require(Channels is 1 or 3, "Channels must be 1 or 3");
        Require(EmbeddingSize >= 2, "EmbeddingSize must be >= 2");
        Require(Margin is > 0 and <= 2, "Margin must be in (0, 2] (distances of unit vectors)");
        Require(IdentityWeight >= 0 && double.IsFinite(IdentityWeight), "IdentityWeight (lambda) must be finite and >= 0");
        Require(AdversarialWeight >= 0 && IdentityContentWeight >= 0, "SRGAN loss weights must be >= 0");
        Require(Stop.MaxIterations >= 1, "Stop.MaxIterations must be >= 1");
        Require(Stop.TargetValidationAccuracy is null or (> 0 and <= 1), "Stop.TargetValidationAccuracy must be in (0, 1]");
        Require(CheckpointEvery >= 1, "CheckpointEvery must be >= 1");
        Require(InputSize % Degradation.Scale == 0, $"InputSize {InputSize} must be divisible by the scale x{Degradation.Scale}");
        foreach (var o in new[] { SuperResolutionOptimizer, RecognizerOptimizer })
            Require(o.LearningRate > 0 && o.Momentum is >= 0 and < 1 && o.WeightDecay >= 0, $"invalid optimiser options {o}");
        Degradation.Validate();
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException($"Invalid training options: {message}.");
    }
}
