using SrFace.Losses;
using SrFace.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Training;

/// <summary>
/// SR-only pre-training: the SR model of a <see cref="JointTrainer"/> learns reconstruction alone (METHOD.md steps 2-4,
/// without the recogniser) before the joint run starts (<see cref="JointTrainingOptions.SuperResolutionPretrainIterations"/>).
/// Each step degrades an HR batch exactly as the joint run does (<see cref="JointTrainer.Downsample"/>: the same
/// degradation and, multi-scale, a scale drawn per batch), restores it and takes an Adam step on the Charbonnier loss
/// to the HR faces.
/// </summary>
/// <remarks>
/// <para>Why: in a few hundred joint iterations a residual SR model started at "bicubic + a small correction" only
/// learns to cancel its correction (docs/RESULTS.md, "Fine-tuning"), so the cascade's restored faces equal the bicubic
/// ones and the SR model contributes nothing. Started from a model that already restores, the joint run has restored
/// faces that differ from the bicubic ones for the recogniser to learn from. Charbonnier is the pixel loss of Lai et
/// al., "Deep Laplacian Pyramid Networks for Fast and Accurate Super-Resolution", CVPR 2017.</para>
/// <para>The step's own optimiser is not the joint run's: Adam at the SR model's learning rate
/// (<see cref="JointTrainingOptions.SuperResolutionOptimizer"/>) with its warm-up and cosine decay over the pre-training
/// iterations, so the joint run starts its own schedule afresh. Degradation draws of pre-training step i are those of
/// the virtual iteration <see cref="DegradationIteration"/>(i) = -1 - i, never equal to a joint iteration's.</para>
/// </remarks>
public sealed class SuperResolutionPretraining : IDisposable
{
    private readonly JointTrainer _trainer;
    private readonly OptimizerHelper _optimizer;
    private readonly LearningRateSchedule _schedule;
    private readonly ReconstructionLoss _loss = ReconstructionLoss.Create(ReconstructionLossKind.Charbonnier);

    /// <summary>Prepares pre-training of <paramref name="trainer"/>'s SR model for <paramref name="iterations"/> steps.</summary>
    /// <param name="trainer">A joint trainer (its SR model is trained in place; its recogniser is not touched).</param>
    /// <param name="iterations">Steps the learning-rate schedule spans, &gt;= 1.</param>
    /// <exception cref="InvalidOperationException">When the trainer has no SR model (recogniser-only mode).</exception>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="iterations"/> &lt; 1.</exception>
    public SuperResolutionPretraining(JointTrainer trainer, long iterations)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var sr = trainer.SuperResolution ?? throw new InvalidOperationException("SR pre-training needs an SR model; the recogniser-only baseline has none.");
        _trainer = trainer;
        var settings = trainer.Options.SuperResolutionOptimizer with { Kind = OptimizerKind.Adam, WeightDecay = 0 };
        _optimizer = OptimizerFactory.Create(settings, sr.parameters());
        _schedule = OptimizerFactory.Schedule(settings, iterations);
        Iterations = iterations;
    }

    /// <summary>Steps the schedule spans.</summary>
    public long Iterations { get; }

    /// <summary>The virtual joint iteration whose degradation draws pre-training step <paramref name="step"/> uses: -1 - step.</summary>
    /// <param name="step">0-based pre-training step.</param>
    /// <returns>A negative iteration number.</returns>
    public static long DegradationIteration(long step) => -1 - step;

    /// <summary>One pre-training step: degrade, restore, Charbonnier loss to <paramref name="hr"/>, Adam step on the SR model.</summary>
    /// <param name="hr">HR faces <c>[N, C, S, S]</c> float32 in [0, 1]; not disposed.</param>
    /// <param name="step">0-based step (learning rate and degradation draws).</param>
    /// <returns>The Charbonnier loss before the update (mean per pixel, [0, 1] images).</returns>
    public double Step(Tensor hr, long step)
    {
        using var scope = NewDisposeScope();
        var sr = _trainer.SuperResolution!;
        sr.train();
        OptimizerFactory.SetLearningRate(_optimizer, _schedule.At(step));
        _optimizer.zero_grad();
        var lr = _trainer.Downsample(hr, DegradationIteration(step));   // [N, C, p, p], as the joint run degrades
        var restored = _trainer.Restore(lr);                             // [N, C, S, S]
        var loss = _loss.forward(restored, hr.ToChannelsLast());
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    /// <summary>
    /// Mean Charbonnier loss of the restored and of the bicubic faces on <paramref name="hr"/> degraded with the draws of
    /// virtual iteration <paramref name="iteration"/>, without training: the check that pre-training learnt to restore.
    /// </summary>
    /// <param name="hr">HR faces <c>[N, C, S, S]</c> float32 in [0, 1]; not disposed.</param>
    /// <param name="iteration">The (virtual) iteration whose degradation is used.</param>
    /// <returns>(restored, bicubic) losses, each &gt;= 0.</returns>
    public (double Restored, double Bicubic) Evaluate(Tensor hr, long iteration)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var sr = _trainer.SuperResolution!;
        sr.eval();
        var lr = _trainer.Downsample(hr, iteration);
        var target = hr.ToChannelsLast();
        var restored = _loss.forward(SafeScalars.Clamp(_trainer.Restore(lr)), target).item<float>();
        var bicubic = _loss.forward(SafeScalars.Clamp(Degradation.FaceDegradation.Upsample(lr, (int)hr.shape[2], (int)hr.shape[3])), target).item<float>();
        return (restored, bicubic);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer.Dispose();
        _loss.Dispose();
    }
}
