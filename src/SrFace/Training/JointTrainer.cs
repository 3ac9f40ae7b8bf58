using SrFace.Degradation;
using SrFace.Losses;
using SrFace.Models;
using SrFace.Models.Recognition;
using SrFace.Models.SuperResolution;
using SrFace.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Training;

/// <summary>
/// One iteration of the method (METHOD.md steps 2-8) on one P x K batch of HR face images: downsample, restore,
/// reconstruction loss, merge HR + LR + restored into the target set, extract features, contrastive loss over all
/// pairs, and a gradient-descent step on the SR model and on the recogniser. The loop around it (batches,
/// checkpoints, stop conditions) is <see cref="TrainingRun"/>.
/// </summary>
/// <remarks>
/// Gradient routing, in one backward pass of <c>l_con + l_rec (+ SRGAN terms)</c>:
/// the recogniser receives only the contrastive gradient; the SR model receives the reconstruction gradient plus
/// lambda (<see cref="JointTrainingOptions.IdentityWeight"/>) times the contrastive gradient through the restored
/// images (lambda = 0: the restored images enter the target set detached, the patent's literal variant). For SRGAN
/// the generator's adversarial and identity content terms are computed with the discriminator and the recogniser
/// frozen (BasicSR's order), then the discriminator takes its own step on real and detached fake images.
/// </remarks>
public sealed class JointTrainer : IDisposable
{
    private readonly JointTrainingOptions _options;
    private readonly FaceDegradation _degradation;
    private readonly ReconstructionLoss? _reconstructionLoss;
    private readonly ContrastiveLoss _contrastiveLoss;
    private readonly SrganAdversarialLoss? _adversarialLoss;

    /// <summary>Builds the models from <see cref="ModelCatalog"/> with weights seeded by <see cref="JointTrainingOptions.Seed"/>
    /// (the recogniser from the model store when <see cref="JointTrainingOptions.PretrainedRecognizer"/> is set).</summary>
    /// <param name="options">Validated training options.</param>
    /// <param name="store">The model store holding the pretrained recogniser's weights; needed only with
    /// <see cref="JointTrainingOptions.PretrainedRecognizer"/>.</param>
    /// <exception cref="ArgumentException">When the options are invalid or name an unknown model, when pretrained weights
    /// are asked for without a store, or when the frozen stages leave nothing of the recogniser to train.</exception>
    /// <exception cref="Models.Pretrained.ModelStoreException">When the pretrained weights are missing or damaged.</exception>
    public JointTrainer(JointTrainingOptions options, Models.Pretrained.ModelStore? store = null)
    {
        options.Validate();
        _options = options;
        torch.manual_seed(options.Seed);
        if (options.PretrainedRecognizer)
        {
            if (store is null) throw new ArgumentException($"Fine-tuning the pretrained {options.Recognizer} needs the model store that holds its weights.", nameof(store));
            Recognizer = ModelCatalog.CreatePretrainedRecognizer(options.Recognizer, store);
            Recognizer.train();
            if (options.DistillationWeight > 0)
            {
                Teacher = ModelCatalog.CreatePretrainedRecognizer(options.Recognizer, store);
                Teacher.eval();
                Teacher.Precision = options.Precision;
                foreach (var p in Teacher.parameters()) p.requires_grad = false;
            }
        }
        else
        {
            Recognizer = ModelCatalog.CreateRecognizer(options.Recognizer, new RecognizerConfig(
                options.InputSize, options.Channels, options.EmbeddingSize, options.RecognizerWidth));
        }
        Recognizer.Precision = options.Precision;
        FrozenRecognizerParameters = FreezeRecognizer();
        var trainable = Recognizer.parameters().Where(p => p.requires_grad).ToList();
        if (trainable.Count == 0)
            throw new ArgumentException($"Freezing {options.FrozenRecognizerStages} stages{(options.FreezeNormalization ? " and the normalisation" : "")} leaves nothing of {options.Recognizer} to train.");
        RecognizerOptimizer = OptimizerFactory.Create(options.RecognizerOptimizer, trainable);
        _splitsFrozenStages = options.FrozenRecognizerStages > 0 && Recognizer.SplitsAtStages;
        _contrastiveLoss = new ContrastiveLoss(options.Margin);
        _degradation = new FaceDegradation(options.Degradation);
        if (options.Mode == TrainingMode.Joint)
        {
            var entry = ModelCatalog.SuperResolution.TryGetValue(options.SuperResolutionModel, out var e) ? e
                : throw new ArgumentException($"Unknown SR model '{options.SuperResolutionModel}'; known: {string.Join(", ", ModelCatalog.SuperResolution.Keys)}.");
            var srConfig = new SrModelConfig(options.Degradation.Scale, options.Channels, options.SuperResolutionWidth, options.SuperResolutionBlocks, options.SuperResolutionResidual);
            SuperResolution = entry.Create(srConfig);
            SuperResolution.Precision = options.Precision;
            SuperResolutionOptimizer = OptimizerFactory.Create(options.SuperResolutionOptimizer, SuperResolution.parameters());
            _reconstructionLoss = ReconstructionLoss.Create(options.ReconstructionLoss);
            if (entry.CreateDiscriminator is { } createDiscriminator)
            {
                Discriminator = createDiscriminator(srConfig with { Width = null });
                Discriminator.Precision = options.Precision;
                // Its own settings (JointTrainingOptions.DiscriminatorOptimizer; Ledig et al.: Adam 1e-4), not the SR model's.
                DiscriminatorOptimizer = OptimizerFactory.Create(options.DiscriminatorOptimizer, Discriminator.parameters());
                _adversarialLoss = new SrganAdversarialLoss(options.AdversarialWeight);
            }
        }
    }

    /// <summary>The frozen pretrained recogniser whose sharp-face embeddings are the distillation targets (null unless
    /// <see cref="JointTrainingOptions.DistillationWeight"/> &gt; 0). Eval mode, no parameter requires a gradient.</summary>
    public FaceRecognizer? Teacher { get; }

    /// <summary>How many recogniser parameter tensors are frozen (<see cref="JointTrainingOptions.FrozenRecognizerStages"/>
    /// and <see cref="JointTrainingOptions.FreezeNormalization"/>); they are left out of the optimiser.</summary>
    public int FrozenRecognizerParameters { get; }

    /// <summary>The options this trainer runs with.</summary>
    public JointTrainingOptions Options => _options;

    /// <summary>The SR model (null in <see cref="TrainingMode.RecognizerOnly"/>).</summary>
    public SuperResolutionModel? SuperResolution { get; }

    /// <summary>The face recogniser.</summary>
    public FaceRecognizer Recognizer { get; }

    /// <summary>The SRGAN discriminator (null unless the SR model is SRGAN).</summary>
    public SrganDiscriminator? Discriminator { get; }

    /// <summary>The SR model's optimiser (null without an SR model).</summary>
    public OptimizerHelper? SuperResolutionOptimizer { get; }

    /// <summary>The recogniser's optimiser.</summary>
    public OptimizerHelper RecognizerOptimizer { get; }

    /// <summary>The discriminator's optimiser (SRGAN only).</summary>
    public OptimizerHelper? DiscriminatorOptimizer { get; }

    /// <summary>
    /// The LR side of an iteration's batch for a pre-upsampled SR model or multi-scale training: <c>ceil(S / s)</c> with
    /// s the fixed scale or, with <see cref="JointTrainingOptions.ScaleRange"/>, a factor drawn log-uniformly per batch
    /// (seeded by the iteration). Null for SR models that upscale by their own integer scale (LR side floor(S / s)).
    /// </summary>
    /// <param name="iteration">0-based iteration.</param>
    /// <returns>The LR side in [1, S] pixels, or null.</returns>
    public int? LowResolutionSide(long iteration)
    {
        var s = _options.InputSize;
        if (_options.ScaleRange is { } range)
        {
            var u = new Random(IterationSeed(iteration) ^ 0x5CA1E).NextDouble();
            var scale = Math.Exp(Math.Log(range.Min) + u * (Math.Log(range.Max) - Math.Log(range.Min)));
            return ProbeSide(s, scale);
        }
        return SuperResolution?.PreUpsampled == true ? ProbeSide(s, _options.Degradation.Scale) : null;
    }

    /// <summary>The probe side of a face of side <paramref name="inputSize"/> reduced by <paramref name="scale"/>:
    /// <c>ceil(S / s)</c> clamped to [1, S] (150 px: 75, 38, 19, 10 px for x2, x4, x8, x16).</summary>
    /// <param name="inputSize">S in pixels, at least 1.</param>
    /// <param name="scale">Factor s &gt; 0.</param>
    /// <returns>The side in pixels.</returns>
    public static int ProbeSide(int inputSize, double scale) =>
        Math.Clamp((int)Math.Ceiling(inputSize / scale - 1e-9), 1, inputSize);

    /// <summary>METHOD.md step 2: degrades an HR batch to LR with the run's degradation, seeded by iteration.</summary>
    /// <param name="hr">HR images <c>[N, C, S, S]</c> in [0, 1].</param>
    /// <param name="iteration">0-based iteration (the seed of this batch's blur/noise/JPEG draws and, multi-scale, of its scale).</param>
    /// <returns>LR images <c>[N, C, p, p]</c> in [0, 1], no gradient: p = <see cref="LowResolutionSide"/> when set, else S/s.</returns>
    public Tensor Downsample(Tensor hr, long iteration)
    {
        if (LowResolutionSide(iteration) is not { } side) return _degradation.Degrade(hr, IterationSeed(iteration));
        var sized = new FaceDegradation(_options.Degradation with { TargetHeight = side, TargetWidth = side });
        return sized.Degrade(hr, IterationSeed(iteration));
    }

    /// <summary>METHOD.md step 3: restores LR images with the SR model (a pre-upsampled model gets them bicubic-upsampled to S first).</summary>
    /// <param name="lr">LR images <c>[N, C, h, w]</c> in [0, 1].</param>
    /// <returns>Restored images <c>[N, C, s*h, s*w]</c> (S x S for a pre-upsampled model; unclamped while training), channels-last.</returns>
    /// <exception cref="InvalidOperationException">In the recogniser-only mode (no SR model).</exception>
    public Tensor Restore(Tensor lr)
    {
        using var upsampled = UpsampleForPreUpsampledModel(lr);
        return RestoreFrom(lr, upsampled);
    }

    /// <summary>The bicubic upsampling of <paramref name="lr"/> to S x S that a pre-upsampled SR model restores, or null
    /// for a model that upscales by itself or without an SR model.</summary>
    private Tensor? UpsampleForPreUpsampledModel(Tensor lr) =>
        SuperResolution?.PreUpsampled == true ? FaceDegradation.Upsample(lr, _options.InputSize, _options.InputSize) : null;

    /// <summary><see cref="Restore"/> given the upsampling already made (<see cref="UpsampleForPreUpsampledModel"/>),
    /// so the training step computes it once for the SR model and the target set.</summary>
    private Tensor RestoreFrom(Tensor lr, Tensor? upsampled)
    {
        var sr = SuperResolution ?? throw new InvalidOperationException("The recogniser-only baseline has no SR model.");
        return sr.forward((sr.PreUpsampled ? upsampled! : lr).ToChannelsLast());
    }

    /// <summary>
    /// METHOD.md step 5: merges the input (HR), downsampled and restored sets into one target set. LR images are
    /// bicubic-upsampled to the recogniser's input size first (LR images already of that size, e.g. the upsampling a
    /// pre-upsampled SR model was given, are taken as they are: bicubic resampling to the same size is the identity);
    /// IDs are inherited, so the labels repeat three times.
    /// </summary>
    /// <param name="hr">HR images <c>[N, C, S, S]</c>.</param>
    /// <param name="lr">LR images <c>[N, C, S/s, S/s]</c>, or their bicubic upsampling <c>[N, C, S, S]</c> in [0, 1].</param>
    /// <param name="restored">Restored images <c>[N, C, S, S]</c>.</param>
    /// <param name="labels">Identity labels <c>[N]</c> (int64).</param>
    /// <returns>The target set <c>[3N, C, S, S]</c> (channels-last) and its labels <c>[3N]</c>: HR rows, then LR, then restored.</returns>
    public static (Tensor Images, Tensor Labels) MergeTargetSet(Tensor hr, Tensor lr, Tensor restored, Tensor labels)
    {
        var (height, width) = (hr.shape[2], hr.shape[3]);
        using var upsampled = lr.shape[2] == height && lr.shape[3] == width ? lr.alias() : FaceDegradation.Upsample(lr, (int)height, (int)width);
        var images = cat([hr.ToChannelsLast(), upsampled.ToChannelsLast(), restored.ToChannelsLast()], 0).ToChannelsLast();
        return (images, labels.repeat(3));
    }

    /// <summary>
    /// Runs one training iteration on a batch and updates the models (METHOD.md steps 2-8).
    /// </summary>
    /// <param name="hr">HR input images <c>[N, C, S, S]</c> float32 in [0, 1] (N = P x K).</param>
    /// <param name="labels">Identity labels <c>[N]</c> int64.</param>
    /// <param name="iteration">0-based iteration: sets the learning rates and seeds the degradation and dropout.</param>
    /// <returns>The named loss values, read after the step.</returns>
    public TrainingStepResult Step(Tensor hr, Tensor labels, long iteration)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(IterationSeed(iteration)); // dropout draws depend on the iteration only: resume is exact
        SetLearningRates(iteration);
        SetRecognizerTraining();
        var hrLast = hr.ToChannelsLast();
        Phase("set-up");
        // The frozen stages of the HR rows: computed once, for the teacher (the same pretrained weights there) and the student.
        Tensor? hrFrozen = null;
        if (SplitsFrozenStages)
            using (no_grad()) hrFrozen = Recognizer.FeaturesAfter(hrLast, _options.FrozenRecognizerStages);
        Tensor? targets = null;
        if (Teacher is not null)
            using (no_grad()) targets = hrFrozen is null ? Teacher.forward(hrLast) : Teacher.EmbedFrom(hrFrozen, _options.FrozenRecognizerStages); // [N, D], the distillation targets
        Phase("teacher forward");

        if (SuperResolution is null)
        {
            RecognizerOptimizer.zero_grad();
            var hrFeatures = hrFrozen is null ? Recognizer.forward(hrLast) : Recognizer.EmbedFrom(hrFrozen, _options.FrozenRecognizerStages);
            var baseline = _contrastiveLoss.Compute(hrFeatures, labels);
            var kd = targets is null ? null : DistillationLoss(hrFeatures, targets);
            var baselineTotal = ComposeTotal(_options, baseline.Loss, null, null, null, kd);
            baselineTotal.backward();
            RecognizerOptimizer.step();
            return new TrainingStepResult(baseline.Loss.item<float>(), baseline.MeanPositiveDistance, baseline.MeanNegativeDistance)
                { Distillation = kd?.item<float>(), Total = baselineTotal.item<float>() };
        }

        SuperResolution.train();
        SuperResolutionOptimizer!.zero_grad();
        RecognizerOptimizer.zero_grad();

        var lr = Downsample(hr, iteration);                                    // step 2: [N, C, p, p]
        Phase("degradation");
        var upsampled = UpsampleForPreUpsampledModel(lr);                      // [N, C, S, S] or null, for steps 3 and 5
        var restored = RestoreFrom(lr, upsampled);                             // step 3: [N, C, S, S]
        Phase("SR forward");
        var reconstruction = _reconstructionLoss!.forward(restored, hrLast);   // step 4 (both channels-last: one layout, no strided loop)
        var restoredForRecognizer = _options.IdentityWeight > 0
            ? ScaleGradient(restored, _options.IdentityWeight)
            : restored.detach();
        var (targetSet, targetLabels) = MergeTargetSet(hrLast, upsampled ?? lr, restoredForRecognizer, labels); // step 5: [3N, C, S, S]
        Phase("l_rec + target set");
        var features = EmbedTargetSet(targetSet, hrFrozen);                   // step 6: [3N, D]
        Phase("recogniser forward");
        var contrastive = _contrastiveLoss.Compute(features, targetLabels);   // steps 7-8
        var distillation = targets is null ? null : DistillationLoss(features, targets.repeat(3, 1));

        Tensor? adversarial = null, identityContent = null;
        if (Discriminator is not null)
        {
            var n = hr.shape[0];
            (adversarial, identityContent) = GeneratorTerms(restored, features.narrow(0, 0, n).detach());
        }
        var total = ComposeTotal(_options, contrastive.Loss, reconstruction, adversarial, identityContent, distillation);
        Phase("losses");
        total.backward();
        Phase("backward");
        SuperResolutionOptimizer.step();                                       // step 4's update (SGD claimed)
        Phase("SR optimiser");
        RecognizerOptimizer.step();                                            // step 8's update
        Phase("recogniser optimiser");

        double? discriminator = Discriminator is null ? null : DiscriminatorStep(hrLast, restored.detach());
        var result = new TrainingStepResult(
            contrastive.Loss.item<float>(), contrastive.MeanPositiveDistance, contrastive.MeanNegativeDistance,
            reconstruction.item<float>(), adversarial?.item<float>(), identityContent?.item<float>(), discriminator)
            { Distillation = distillation?.item<float>(), Total = total.item<float>(), LowResolutionSide = (int)lr.shape[2] };
        Phase("discriminator + loss values");
        return result;
    }

    /// <summary>
    /// Whether <see cref="Step"/> runs the recogniser's frozen stages apart (true when stages are frozen and the
    /// recogniser <see cref="FaceRecognizer.SplitsAtStages"/>, i.e. dlib-resnet): they see constants in the HR and LR
    /// rows, so those rows run them without autograd (no input gradients computed there, the HR rows' features shared
    /// with the teacher, whose stages are the same pretrained weights) and only the restored rows, whose gradient
    /// reaches the SR model, run them with autograd. The same function and gradients as one pass of the target set;
    /// settable so a test and the benchmarks can compare the two.
    /// </summary>
    /// <exception cref="InvalidOperationException">When set to true with no frozen stage or a recogniser that does not split.</exception>
    public bool SplitsFrozenStages
    {
        get => _splitsFrozenStages;
        set => _splitsFrozenStages = !value || (_options.FrozenRecognizerStages > 0 && Recognizer.SplitsAtStages) ? value
            : throw new InvalidOperationException($"{_options.Recognizer} with {_options.FrozenRecognizerStages} frozen stages cannot run them apart.");
    }

    private bool _splitsFrozenStages;

    /// <summary>Step 6: the target set's embeddings, the frozen stages run apart when <paramref name="hrFrozen"/> (the HR
    /// rows' features after them) is given (<see cref="SplitsFrozenStages"/>).</summary>
    /// <param name="targetSet">HR, LR and restored rows <c>[3N, C, S, S]</c>.</param>
    /// <param name="hrFrozen">The HR rows after the frozen stages, or null for one pass of the whole set.</param>
    /// <returns><c>[3N, D]</c>.</returns>
    private Tensor EmbedTargetSet(Tensor targetSet, Tensor? hrFrozen)
    {
        if (hrFrozen is null) return Recognizer.forward(targetSet);
        var (k, n) = (_options.FrozenRecognizerStages, hrFrozen.shape[0]);
        Tensor lrFrozen;
        using (no_grad()) lrFrozen = Recognizer.FeaturesAfter(targetSet.narrow(0, n, n), k);
        var restoredFrozen = Recognizer.FeaturesAfter(targetSet.narrow(0, 2 * n, n), k);
        return Recognizer.EmbedFrom(cat([hrFrozen, lrFrozen, restoredFrozen], 0).ToChannelsLast(), k);
    }

    /// <summary>
    /// Called at the end of each part of <see cref="Step"/> with the part's name ("set-up", "teacher forward",
    /// "degradation", "SR forward", "l_rec + target set", "recogniser forward", "losses", "backward", "SR optimiser",
    /// "recogniser optimiser", "discriminator + loss values"), for a per-part timing of the step (the benchmarks'
    /// <c>--breakdown</c>); null (the default) calls nothing. Everything runs synchronously on the CPU, so the time
    /// between two calls is the part's time. The step's tensors are released after the last call, when it returns.
    /// </summary>
    public Action<string>? PhaseCompleted { get; set; }

    private void Phase(string name) => PhaseCompleted?.Invoke(name);

    /// <summary>
    /// How the loss that one backward pass minimises is composed, each weight applied exactly once:
    /// <c>l_con + l_rec + l_adv + w_idc * l_idc + w_kd * l_kd</c>. <paramref name="adversarial"/> is
    /// <see cref="SrganAdversarialLoss.GeneratorLoss"/>, which carries <see cref="JointTrainingOptions.AdversarialWeight"/>
    /// already (it is not weighted again here).
    /// </summary>
    /// <param name="options">Supplies <see cref="JointTrainingOptions.IdentityContentWeight"/> and <see cref="JointTrainingOptions.DistillationWeight"/>.</param>
    /// <param name="contrastive">l_con, scalar.</param>
    /// <param name="reconstruction">l_rec, scalar, or null (recogniser only).</param>
    /// <param name="adversarial">The weighted generator adversarial term, scalar, or null (not SRGAN).</param>
    /// <param name="identityContent">l_idc = 1 - cos(rec(SR), rec(HR)), unweighted, scalar, or null (not SRGAN).</param>
    /// <param name="distillation">l_kd, unweighted, scalar, or null (no teacher).</param>
    /// <returns>The scalar total (a new tensor).</returns>
    public static Tensor ComposeTotal(JointTrainingOptions options, Tensor contrastive, Tensor? reconstruction, Tensor? adversarial, Tensor? identityContent, Tensor? distillation)
    {
        ArgumentNullException.ThrowIfNull(options);
        var total = contrastive.alias();
        if (reconstruction is not null) total = total + reconstruction;
        if (adversarial is not null) total = total + adversarial;
        if (identityContent is not null) total = total + identityContent * options.IdentityContentWeight;
        if (distillation is not null) total = total + distillation * options.DistillationWeight;
        return total;
    }

    /// <summary>The distillation term: mean over rows of 1 - cos(student, teacher) for unit-norm embeddings.</summary>
    /// <param name="student">Trained recogniser's embeddings <c>[M, D]</c>, unit norm.</param>
    /// <param name="teacher">Targets <c>[M, D]</c>, unit norm, no gradient.</param>
    /// <returns>Scalar in [0, 2].</returns>
    public static Tensor DistillationLoss(Tensor student, Tensor teacher) =>
        1 - (student * teacher).sum(1).mean();

    /// <summary>Puts the recogniser in training mode, except its normalisation layers when
    /// <see cref="JointTrainingOptions.FreezeNormalization"/> is set (BatchNorm then keeps its running statistics).</summary>
    private void SetRecognizerTraining()
    {
        Recognizer.train();
        if (_options.FreezeNormalization)
            foreach (var layer in Recognizer.NormalizationLayers()) layer.eval();
    }

    /// <summary>Freezes the first N stages and, when asked, the normalisation layers; returns the frozen parameter count.</summary>
    private int FreezeRecognizer()
    {
        var frozen = new HashSet<IntPtr>();
        var stages = Recognizer.ParameterStages();
        if (_options.FrozenRecognizerStages > stages.Count)
            throw new ArgumentException($"{_options.Recognizer} has {stages.Count} stages ({string.Join(", ", stages.Select(st => st.Name))}); cannot freeze {_options.FrozenRecognizerStages}.");
        foreach (var stage in stages.Take(_options.FrozenRecognizerStages))
            foreach (var p in stage.Parameters) { p.requires_grad = false; frozen.Add(p.Handle); }
        if (_options.FreezeNormalization)
            foreach (var layer in Recognizer.NormalizationLayers())
                foreach (var p in layer.parameters()) { p.requires_grad = false; frozen.Add(p.Handle); }
        return frozen.Count;
    }

    /// <summary>Sets both optimisers' learning rates for an iteration; returns them by log name.</summary>
    /// <param name="iteration">0-based iteration.</param>
    public IReadOnlyDictionary<string, double> SetLearningRates(long iteration)
    {
        var total = _options.Stop.MaxIterations;
        var rates = new Dictionary<string, double>
        {
            ["lr_rec"] = OptimizerFactory.SetLearningRate(RecognizerOptimizer, OptimizerFactory.Schedule(_options.RecognizerOptimizer, total).At(iteration)),
        };
        if (SuperResolutionOptimizer is not null)
        {
            var srRate = OptimizerFactory.Schedule(_options.SuperResolutionOptimizer, total).At(iteration);
            rates["lr_sr"] = OptimizerFactory.SetLearningRate(SuperResolutionOptimizer, srRate);
            if (DiscriminatorOptimizer is not null)
                rates["lr_d"] = OptimizerFactory.SetLearningRate(DiscriminatorOptimizer, OptimizerFactory.Schedule(_options.DiscriminatorOptimizer, total).At(iteration));
        }
        return rates;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        SuperResolution?.Dispose();
        Recognizer.Dispose();
        Discriminator?.Dispose();
        Teacher?.Dispose();
        _contrastiveLoss.Dispose();
        _reconstructionLoss?.Dispose();
    }

    /// <summary>The seed of an iteration's random draws: a fixed mix of the run seed and the iteration.</summary>
    /// <param name="iteration">0-based iteration.</param>
    public int IterationSeed(long iteration) => (int)(((long)_options.Seed * 1_000_003L + iteration * 7_919L) & 0x7FFF_FFFF);

    /// <summary>Identity in value; in the backward pass the gradient reaching <paramref name="x"/> is multiplied by <paramref name="weight"/>.</summary>
    private static Tensor ScaleGradient(Tensor x, double weight)
    {
        var frozen = x.detach();
        return frozen + (x - frozen) * weight;
    }

    /// <summary>
    /// SRGAN generator terms with the discriminator and recogniser frozen (no gradient reaches their weights). The
    /// recogniser runs in eval mode here: the identity content pass sees restored faces only, which must neither
    /// update BatchNorm statistics nor draw dropout. Returns the weighted adversarial term and the unweighted l_idc.
    /// </summary>
    private (Tensor Adversarial, Tensor IdentityContent) GeneratorTerms(Tensor restored, Tensor hrFeatures)
    {
        var discriminatorFlags = SetRequiresGrad(Discriminator!, false);
        var recognizerFlags = SetRequiresGrad(Recognizer, false);
        Recognizer.eval();
        try
        {
            var adversarial = _adversarialLoss!.GeneratorLoss(Discriminator!.forward(restored)); // already x AdversarialWeight
            var srFeatures = Recognizer.forward(restored.ToChannelsLast());
            var identityContent = 1 - nn.functional.cosine_similarity(srFeatures, hrFeatures, 1).mean();
            return (adversarial, identityContent);
        }
        finally
        {
            RestoreRequiresGrad(Discriminator!, discriminatorFlags);
            RestoreRequiresGrad(Recognizer, recognizerFlags);
            SetRecognizerTraining();
        }
    }

    /// <summary>SRGAN discriminator step on real (HR) and detached fake (restored) images; returns l_d.</summary>
    private double DiscriminatorStep(Tensor hr, Tensor fake)
    {
        Discriminator!.train();
        DiscriminatorOptimizer!.zero_grad();
        var loss = _adversarialLoss!.DiscriminatorLoss(Discriminator.forward(hr), Discriminator.forward(fake));
        loss.Total.backward();
        DiscriminatorOptimizer.step();
        return loss.Total.item<float>();
    }

    /// <summary>Sets requires_grad on every parameter; returns the previous flags (frozen parameters stay frozen on restore).</summary>
    private static bool[] SetRequiresGrad(nn.Module module, bool value)
    {
        var parameters = module.parameters().ToArray();
        var before = parameters.Select(p => p.requires_grad).ToArray();
        foreach (var p in parameters) p.requires_grad = value;
        return before;
    }

    private static void RestoreRequiresGrad(nn.Module module, bool[] flags)
    {
        var parameters = module.parameters().ToArray();
        for (var i = 0; i < parameters.Length; i++) parameters[i].requires_grad = flags[i];
    }
}
