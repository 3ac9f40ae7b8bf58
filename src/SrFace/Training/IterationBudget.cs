using SrFace.IO;

namespace SrFace.Training;

/// <summary>
/// Extends the iteration budget of a stopped run so that <see cref="TrainingRun.Run"/> with <c>resume: true</c>
/// continues it. <see cref="TrainingCheckpoint.Load"/> refuses a checkpoint written with other options, and
/// <see cref="StopConditions.MaxIterations"/> is one of them, so the checkpoint's manifest and <c>options.json</c>
/// are rewritten (atomically) with the new budget; weights and optimiser states are copied unchanged.
/// </summary>
/// <remarks>
/// The learning-rate schedules span the whole budget (<see cref="JointTrainer.SetLearningRates"/>), so after an
/// extension the rates follow the longer curve from the checkpoint's iteration on: a cosine schedule that had decayed
/// to its floor rises again. A run extended from N to M iterations therefore differs from a run planned for M.
/// </remarks>
public static class IterationBudget
{
    /// <summary>Sets a run folder's iteration budget to <paramref name="maxIterations"/>.</summary>
    /// <param name="runFolder">A run folder holding <c>checkpoint.srfc</c> (and <c>options.json</c>).</param>
    /// <param name="maxIterations">The new budget; more than the iterations the checkpoint completed.</param>
    /// <returns>The run's options with the new budget (unchanged when the budget already equals it).</returns>
    /// <exception cref="FileNotFoundException">When the run folder has no checkpoint.</exception>
    /// <exception cref="InvalidDataException">When the checkpoint is not an SrFace checkpoint.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When the budget is not above the completed iterations.</exception>
    public static JointTrainingOptions Extend(string runFolder, long maxIterations)
    {
        var path = Path.Combine(runFolder, TrainingCheckpoint.FileName);
        var manifest = TrainingCheckpoint.ReadManifest(path);
        var options = TrainingOptionsJson.Deserialize(manifest.OptionsJson, path);
        if (options.Stop.MaxIterations == maxIterations) return options;
        if (maxIterations <= manifest.NextIteration)
            throw new ArgumentOutOfRangeException(nameof(maxIterations), maxIterations,
                $"The run in {runFolder} has already completed {manifest.NextIteration} iterations; the new budget must be larger.");
        var extended = options with { Stop = options.Stop with { MaxIterations = maxIterations } };
        var newManifest = manifest with { OptionsJson = TrainingOptionsJson.Serialize(extended) };

        ModelArchive.ReplaceManifest(path, newManifest);
        AtomicFile.WriteText(Path.Combine(runFolder, TrainingRun.OptionsFileName), TrainingOptionsJson.Serialize(extended));
        return extended;
    }
}
