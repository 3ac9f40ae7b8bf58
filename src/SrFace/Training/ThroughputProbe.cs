using System.Diagnostics;
using SrFace.Data;
using SrFace.Data.Sampling;

namespace SrFace.Training;

/// <summary>
/// Measures how long one training iteration takes on this machine, so a time budget ("train for about 10 minutes")
/// can be turned into an iteration count before training starts: the learning-rate schedule spans the whole run,
/// so the count must be fixed up front (a wall-clock stop would cut the schedule short and make runs irreproducible).
/// </summary>
public static class ThroughputProbe
{
    /// <summary>
    /// Runs one warm-up and <paramref name="steps"/> timed iterations of a throw-away trainer (same options, real
    /// batches from <paramref name="images"/>) and returns the median seconds per iteration.
    /// </summary>
    /// <param name="options">The options of the run to plan.</param>
    /// <param name="images">The run's training images (batches decoded here stay in its cache).</param>
    /// <param name="steps">Timed iterations, &gt;= 1.</param>
    /// <param name="store">The model store, when the options fine-tune a pretrained recogniser.</param>
    /// <returns>Median wall-clock seconds per iteration, &gt; 0.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="steps"/> &lt; 1.</exception>
    public static double SecondsPerIteration(JointTrainingOptions options, FaceImageLoader images, int steps = 3, Models.Pretrained.ModelStore? store = null)
    {
        using var trainer = new JointTrainer(options, store);
        return MedianSeconds(options, images, steps, (hr, batch, i) =>
        {
            using var labels = images.LoadLabels(batch);
            trainer.Step(hr, labels, i);
        });
    }

    /// <summary>
    /// Like <see cref="SecondsPerIteration"/> for one step of <see cref="SuperResolutionPretraining"/> (the SR model alone):
    /// one warm-up and <paramref name="steps"/> timed steps on real batches; median seconds per step.
    /// </summary>
    /// <param name="options">The options of the run to plan (joint mode: it needs an SR model).</param>
    /// <param name="images">The run's training images.</param>
    /// <param name="steps">Timed steps, &gt;= 1.</param>
    /// <param name="store">The model store, when the options fine-tune a pretrained recogniser.</param>
    /// <returns>Median wall-clock seconds per step, &gt; 0.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="steps"/> &lt; 1.</exception>
    /// <exception cref="InvalidOperationException">When the options have no SR model.</exception>
    public static double SecondsPerPretrainingStep(JointTrainingOptions options, FaceImageLoader images, int steps = 3, Models.Pretrained.ModelStore? store = null)
    {
        using var trainer = new JointTrainer(options with { DistillationWeight = 0 }, store); // no teacher: pre-training does not use it
        using var pretraining = new SuperResolutionPretraining(trainer, steps + 1);
        return MedianSeconds(options, images, steps, (hr, _, i) => pretraining.Step(hr, i));
    }

    /// <summary>One warm-up and <paramref name="steps"/> timed calls of <paramref name="step"/> on the run's first batches
    /// (decoded outside the timed part: training revisits the cached crops); the median seconds per call.</summary>
    private static double MedianSeconds(JointTrainingOptions options, FaceImageLoader images, int steps, Action<TorchSharp.torch.Tensor, int[], int> step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        var sampler = new PkBatchSampler(images.Dataset.Samples.Select(s => s.Label).ToArray(),
            options.IdentitiesPerBatch, options.ImagesPerIdentity, options.Seed);
        var seconds = new List<double>();
        for (var i = 0; i <= steps; i++)
        {
            var batch = sampler.BatchAt(i);
            images.LoadBatch(batch).Dispose();
            var clock = Stopwatch.StartNew();
            using (var hr = images.LoadBatch(batch))
                step(hr, batch, i);
            if (i > 0) seconds.Add(clock.Elapsed.TotalSeconds);
        }
        seconds.Sort();
        return Math.Max(1e-6, seconds[seconds.Count / 2]);
    }
}
