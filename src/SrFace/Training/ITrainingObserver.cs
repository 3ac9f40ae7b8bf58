namespace SrFace.Training;

/// <summary>
/// Receives training progress (STYLE.md point 10: logging, progress bars and validation are callbacks, so the loop
/// stays short). All methods are called on the training thread; keep them cheap.
/// </summary>
public interface ITrainingObserver
{
    /// <summary>Called once before the first iteration.</summary>
    /// <param name="startIteration">The first iteration (0, or the checkpoint's on resume).</param>
    /// <param name="maxIterations">The iteration budget.</param>
    void OnStart(long startIteration, long maxIterations) { }

    /// <summary>Called after every iteration.</summary>
    /// <param name="iteration">The 0-based iteration just run.</param>
    /// <param name="metrics">Its logged values: losses (<c>l_*</c>), learning rates (<c>lr_*</c>), <c>images_per_s</c>.</param>
    void OnIteration(long iteration, IReadOnlyDictionary<string, double> metrics) { }

    /// <summary>Called after every SR pre-training step (<see cref="SuperResolutionPretraining"/>), before the joint iterations.</summary>
    /// <param name="step">The 0-based step just run.</param>
    /// <param name="steps">Pre-training steps in all.</param>
    /// <param name="loss">Its Charbonnier loss (mean per pixel, [0, 1] images).</param>
    void OnPretrainIteration(long step, long steps, double loss) { }

    /// <summary>Called after a checkpoint was written.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="nextIteration">Iterations completed.</param>
    void OnCheckpoint(string path, long nextIteration) { }

    /// <summary>Called once when the run ends.</summary>
    /// <param name="result">Why and where it ended.</param>
    void OnEnd(TrainingRunResult result) { }
}

/// <summary>How a training run ended.</summary>
/// <param name="Reason">The stop condition that held.</param>
/// <param name="IterationsCompleted">Iterations completed in total (including those before a resume).</param>
/// <param name="RunFolder">The run folder (options, metrics, checkpoint, cascade).</param>
/// <param name="Message">A human-readable line, e.g. which loss became NaN at which iteration.</param>
/// <param name="LastValidationAccuracy">The last validation accuracy measured, if any, in [0, 1].</param>
public sealed record TrainingRunResult(StopReason Reason, long IterationsCompleted, string RunFolder, string Message, double? LastValidationAccuracy = null);
