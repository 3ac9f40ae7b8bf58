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

    /// <summary>Builds the models from <see cref="ModelCatalog"/> with weights seeded by <see cref="JointTrainingOptions.Seed"/>.</summary>
    /// <param name="options">Validated training options.</param>
    /// <exception cref="ArgumentException">When the options are invalid or name an unknown model.</exception>
    public JointTrainer(JointTrainingOptions options)
    {
        options.Validate();
        _options = options;
        torch.manual_seed(options.Seed);
        Recognizer = ModelCatalog.CreateRecognizer(options.Recognizer, new RecognizerConfig(
            options.InputSize, options.Channels, options.EmbeddingSize, options.RecognizerWidth));
        Recognizer.Precision = options.Precision;
        RecognizerOptimizer = OptimizerFactory.Create(options.RecognizerOptimizer, Recognizer.parameters());
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
                // The discriminator learns with the SR model's optimiser settings (Ledig et al. train both with Adam; we keep the user's choice).
                DiscriminatorOptimizer = OptimizerFactory.Create(options.SuperResolutionOptimizer, Discriminator.parameters());
                _adversarialLoss = new SrganAdversarialLoss(options.AdversarialWeight);
            }
        }
    }

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

    /// <summary>METHOD.md step 2: degrades an HR batch to LR with the run's degradation, seeded by iteration.</summary>
    /// <param name="hr">HR images <c>[N, C, S, S]</c> in [0, 1].</param>
    /// <param name="iteration">0-based iteration (the seed of this batch's blur/noise/JPEG draws).</param>
    /// <returns>LR images <c>[N, C, S/s, S/s]</c> in [0, 1], no gradient.</returns>
    public Tensor Downsample(Tensor hr, long iteration) => _degradation.Degrade(hr, IterationSeed(iteration));

    /// <summary>METHOD.md step 3: restores LR images with the SR model.</summary>
    /// <param name="lr">LR images <c>[N, C, h, w]</c> in [0, 1].</param>
    /// <returns>Restored images <c>[N, C, s*h, s*w]</c> (unclamped while training), channels-last.</returns>
    /// <exception cref="InvalidOperationException">In the recogniser-only mode (no SR model).</exception>
    public Tensor Restore(Tensor lr) =>
        (SuperResolution ?? throw new InvalidOperationException("The recogniser-only baseline has no SR model.")).forward(lr.ToChannelsLast());

    /// <summary>
    /// METHOD.md step 5: merges the input (HR), downsampled and restored sets into one target set. LR images are
    /// bicubic-upsampled to the recogniser's input size first; IDs are inherited, so the labels repeat three times.
    /// </summary>
    /// <param name="hr">HR images <c>[N, C, S, S]</c>.</param>
    /// <param name="lr">LR images <c>[N, C, S/s, S/s]</c>.</param>
    /// <param name="restored">Restored images <c>[N, C, S, S]</c>.</param>
    /// <param name="labels">Identity labels <c>[N]</c> (int64).</param>
    /// <returns>The target set <c>[3N, C, S, S]</c> (channels-last) and its labels <c>[3N]</c>: HR rows, then LR, then restored.</returns>
    public static (Tensor Images, Tensor Labels) MergeTargetSet(Tensor hr, Tensor lr, Tensor restored, Tensor labels)
    {
        var size = (int)hr.shape[2];
        using var upsampled = FaceDegradation.Upsample(lr, size, (int)hr.shape[3]);
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
        Recognizer.train();
        var hrLast = hr.ToChannelsLast();

        if (SuperResolution is null)
        {
            RecognizerOptimizer.zero_grad();
            var baseline = _contrastiveLoss.Compute(Recognizer.forward(hrLast), labels);
            baseline.Loss.backward();
            RecognizerOptimizer.step();
            return new TrainingStepResult(baseline.Loss.item<float>(), baseline.MeanPositiveDistance, baseline.MeanNegativeDistance);
        }

        SuperResolution.train();
        SuperResolutionOptimizer!.zero_grad();
        RecognizerOptimizer.zero_grad();

        var lr = Downsample(hr, iteration);                                    // step 2: [N, C, S/s, S/s]
        var restored = Restore(lr);                                            // step 3: [N, C, S, S]
        var reconstruction = _reconstructionLoss!.forward(restored, hr);       // step 4
        var restoredForRecognizer = _options.IdentityWeight > 0
            ? ScaleGradient(restored, _options.IdentityWeight)
            : restored.detach();
        var (targetSet, targetLabels) = MergeTargetSet(hrLast, lr, restoredForRecognizer, labels); // step 5: [3N, C, S, S]
        var features = Recognizer.forward(targetSet);                         // step 6: [3N, D]
        var contrastive = _contrastiveLoss.Compute(features, targetLabels);   // steps 7-8

        var total = contrastive.Loss + reconstruction;
        double? adversarial = null, identityContent = null;
        if (Discriminator is not null)
        {
            var n = hr.shape[0];
            var (adv, idc) = GeneratorTerms(restored, features.narrow(0, 0, n).detach());
            total = total + adv * _options.AdversarialWeight + idc * _options.IdentityContentWeight;
            adversarial = adv.item<float>();
            identityContent = idc.item<float>();
        }
        total.backward();
        SuperResolutionOptimizer.step();                                       // step 4's update (SGD claimed)
        RecognizerOptimizer.step();                                            // step 8's update

        double? discriminator = Discriminator is null ? null : DiscriminatorStep(hrLast, restored.detach());
        return new TrainingStepResult(
            contrastive.Loss.item<float>(), contrastive.MeanPositiveDistance, contrastive.MeanNegativeDistance,
            reconstruction.item<float>(), adversarial, identityContent, discriminator);
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
            if (DiscriminatorOptimizer is not null) OptimizerFactory.SetLearningRate(DiscriminatorOptimizer, srRate);
        }
        return rates;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        SuperResolution?.Dispose();
        Recognizer.Dispose();
        Discriminator?.Dispose();
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

    /// <summary>SRGAN generator terms with the discriminator and recogniser frozen (no gradient reaches their weights).</summary>
    private (Tensor Adversarial, Tensor IdentityContent) GeneratorTerms(Tensor restored, Tensor hrFeatures)
    {
        SetRequiresGrad(Discriminator!, false);
        SetRequiresGrad(Recognizer, false);
        try
        {
            var adversarial = _adversarialLoss!.GeneratorLoss(Discriminator!.forward(restored));
            var srFeatures = Recognizer.forward(restored.ToChannelsLast());
            var identityContent = 1 - nn.functional.cosine_similarity(srFeatures, hrFeatures, 1).mean();
            return (adversarial, identityContent);
        }
        finally
        {
            SetRequiresGrad(Discriminator!, true);
            SetRequiresGrad(Recognizer, true);
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

    private static void SetRequiresGrad(nn.Module module, bool value)
    {
        foreach (var p in module.parameters()) p.requires_grad = value;
    }
}
