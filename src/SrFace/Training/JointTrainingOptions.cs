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

    /// <summary>Optional SR width override (FSRCNN d, SRCNN n1, SRResNet channels, vdsr hidden channels); null = the catalogue's value.</summary>
    public int? SuperResolutionWidth { get; init; }

    /// <summary>Optional SR depth override (FSRCNN m, SRResNet residual blocks B, vdsr convolutions); null = the model's default.</summary>
    public int? SuperResolutionBlocks { get; init; }

    /// <summary>
    /// SR output = network output + bicubic upsampling of the LR input (global residual learning, VDSR-style): the SR
    /// model starts at bicubic quality instead of below it, which short CPU runs need. False trains the papers' form.
    /// </summary>
    public bool SuperResolutionResidual { get; init; } = true;

    /// <summary>Recogniser name in <see cref="Models.ModelCatalog.Recognizers"/> (e.g. "face-resnet18", "mobilefacenet").</summary>
    public string Recognizer { get; init; } = "face-resnet18";

    /// <summary>
    /// Start the recogniser from its pretrained weights in the model store (<see cref="Models.RecognizerEntry.Pretrained"/>,
    /// e.g. "dlib-resnet") instead of a random initialisation; the trainer then needs a model store. The input size and
    /// embedding width must be the pretrained network's.
    /// </summary>
    public bool PretrainedRecognizer { get; init; }

    /// <summary>
    /// Freeze the first N parameter stages of the recogniser (<see cref="Models.Recognition.FaceRecognizer.ParameterStages"/>;
    /// dlib-resnet: stem, stage1..stage5, head): their weights are not trained. 0 trains everything; at least 0.
    /// </summary>
    public int FrozenRecognizerStages { get; init; }

    /// <summary>
    /// Keep the recogniser's normalisation fixed (<see cref="Models.Recognition.FaceRecognizer.NormalizationLayers"/>):
    /// BatchNorm layers (FaceResNet, MobileFaceNet) run on their running statistics, which are no longer updated, and
    /// their gamma/beta are frozen; dlib-resnet has no BatchNorm, so its per-channel affine layers (folded batch norms)
    /// are frozen instead. Meant for fine-tuning a pretrained recogniser with small batches.
    /// </summary>
    public bool FreezeNormalization { get; init; }

    /// <summary>
    /// Weight of the distillation term (beyond the patent; 0 = off): a frozen copy of the initial recogniser (the
    /// pretrained teacher) embeds each sharp face, and the trained recogniser's embeddings of the sharp, degraded
    /// (bicubic-upsampled) and restored versions are pulled to it with the cosine distance 1 - cos (mean over the three
    /// sets). The sharp term keeps sharp-face recognition where the teacher had it. Needs no labels; &gt;= 0.
    /// </summary>
    public double DistillationWeight { get; init; }

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

    /// <summary>
    /// The SRGAN discriminator's own optimiser (SRGAN only). Default Adam, lr 1e-4, no weight decay: Ledig et al. train
    /// generator and discriminator with Adam (beta1 0.9) at 1e-4; BasicSR's SRGAN configs do the same.
    /// </summary>
    public OptimizerOptions DiscriminatorOptimizer { get; init; } = new(OptimizerKind.Adam, LearningRate: 1e-4, WeightDecay: 0);

    /// <summary>
    /// Multi-scale training: when set, every batch draws its downsampling factor s log-uniformly from this range (e.g.
    /// [2, 16]) and degrades to <c>ceil(S / s)</c> px, so one model learns every probe size; at inference the model is
    /// told nothing but the probe's size. Needs a pre-upsampled SR model (<see cref="Models.SrModelEntry.PreUpsampled"/>).
    /// Null: the fixed <see cref="DegradationOptions.Scale"/>.
    /// </summary>
    public DegradationRange? ScaleRange { get; init; }

    /// <summary>The trained downsampling factors as a label: "x2..x16" for <see cref="ScaleRange"/>, else "x8" for the
    /// fixed <see cref="DegradationOptions.Scale"/> (a method, so it is not written into <c>options.json</c>).</summary>
    /// <returns>The label.</returns>
    public string ScalesLabel() => ScaleRange is { } r ? $"x{r.Min:0.##}..x{r.Max:0.##}" : $"x{Degradation.Scale}";

    /// <summary>The recogniser's shape as a label, "(w=32, D=128, S=64)", the width left out when the model has its own
    /// (<see cref="RecognizerWidth"/> null, e.g. a pretrained network).</summary>
    /// <returns>The label.</returns>
    public string RecognizerShapeLabel() =>
        $"({(RecognizerWidth is { } w ? $"w={w}, " : "")}D={EmbeddingSize}, S={InputSize})";

    /// <summary>
    /// Iterations of SR-only pre-training before the joint run (<see cref="SuperResolutionPretraining"/>), &gt;= 0
    /// (0: none, the SR model starts from its initialisation). Each trains the SR model alone on one P x K batch with a
    /// Charbonnier pixel loss, degraded as the joint run degrades (multi-scale draws included), so the joint run starts
    /// from a model that restores instead of one that is the bicubic input.
    /// </summary>
    public long SuperResolutionPretrainIterations { get; init; }

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
        Require(SuperResolutionPretrainIterations >= 0, "SuperResolutionPretrainIterations must be >= 0");
        Require(SuperResolutionPretrainIterations == 0 || Mode == TrainingMode.Joint, "SuperResolutionPretrainIterations needs an SR model (joint mode)");
        var preUpsampled = Models.ModelCatalog.SuperResolution.TryGetValue(SuperResolutionModel, out var sr) && sr.PreUpsampled;
        Require(Mode == TrainingMode.RecognizerOnly || preUpsampled || InputSize % Degradation.Scale == 0,
            $"InputSize {InputSize} must be divisible by the scale x{Degradation.Scale} (or use a pre-upsampled SR model such as vdsr)");
        Require(FrozenRecognizerStages >= 0, "FrozenRecognizerStages must be >= 0");
        Require(DistillationWeight >= 0 && double.IsFinite(DistillationWeight), "DistillationWeight must be finite and >= 0");
        Require(DistillationWeight == 0 || PretrainedRecognizer, "DistillationWeight needs PretrainedRecognizer (the teacher is the pretrained network)");
        if (ScaleRange is { } range)
        {
            range.Validate(nameof(ScaleRange), 1, 64);
            Require(Mode == TrainingMode.RecognizerOnly || preUpsampled, $"ScaleRange (multi-scale) needs a pre-upsampled SR model such as vdsr; got {SuperResolutionModel}");
        }
        if (PretrainedRecognizer)
        {
            var entry = Models.ModelCatalog.Recognizers.TryGetValue(Recognizer, out var e) ? e : null;
            Require(entry?.Pretrained is not null, $"PretrainedRecognizer needs a recogniser with pretrained weights; '{Recognizer}' has none");
            Require(InputSize == entry!.InputSize && EmbeddingSize == entry.EmbeddingSize && Channels == 3,
                $"the pretrained {Recognizer} takes {entry.InputSize} px RGB and gives {entry.EmbeddingSize}-D embeddings; got S = {InputSize}, C = {Channels}, D = {EmbeddingSize}");
        }
        foreach (var o in new[] { SuperResolutionOptimizer, RecognizerOptimizer, DiscriminatorOptimizer })
            Require(o.LearningRate > 0 && o.Momentum is >= 0 and < 1 && o.WeightDecay >= 0, $"invalid optimiser options {o}");
        Degradation.Validate();
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException($"Invalid training options: {message}.");
    }
}
