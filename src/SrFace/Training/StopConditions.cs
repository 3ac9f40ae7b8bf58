namespace SrFace.Training;

/// <summary>
/// METHOD.md step 9, "stop when a condition holds": an iteration budget, a loss plateau (the smoothed loss has not
/// improved by <see cref="MinDelta"/> for <see cref="PlateauPatience"/> checks), or a validation accuracy target.
/// </summary>
/// <param name="MaxIterations">Iteration budget, &gt;= 1.</param>
/// <param name="PlateauPatience">Checks without improvement before stopping; 0 disables the plateau rule.</param>
/// <param name="PlateauWindow">Iterations averaged into one plateau check, &gt;= 1.</param>
/// <param name="MinDelta">Smallest decrease of the windowed mean loss that counts as an improvement (loss units).</param>
/// <param name="TargetValidationAccuracy">Stop once validation verification accuracy reaches this, in (0, 1]; null disables.</param>
public sealed record StopConditions(
    long MaxIterations,
    int PlateauPatience = 0,
    int PlateauWindow = 100,
    double MinDelta = 1e-4,
    double? TargetValidationAccuracy = null);

/// <summary>Why a training run ended.</summary>
public enum StopReason
{
    /// <summary>The iteration budget was used up.</summary>
    MaxIterations,

    /// <summary>The loss stopped decreasing (plateau rule).</summary>
    LossPlateau,

    /// <summary>The validation accuracy target was reached.</summary>
    ValidationAccuracyReached,

    /// <summary>A loss became NaN or infinite; the last good checkpoint is kept.</summary>
    NonFiniteLoss,

    /// <summary>Cancelled by the caller (e.g. Ctrl+C); a checkpoint was written.</summary>
    Cancelled,
}

/// <summary>
/// Tracks the plateau rule of <see cref="StopConditions"/>. Its state is three numbers, saved in checkpoints so a
/// resumed run stops where the uninterrupted one would.
/// </summary>
public sealed class PlateauTracker
{
    private readonly StopConditions _conditions;
    private double _windowSum;
    private int _windowCount;

    /// <summary>Creates a tracker for the given conditions.</summary>
    /// <param name="conditions">The stop conditions (patience, window, delta).</param>
    public PlateauTracker(StopConditions conditions) => _conditions = conditions;

    /// <summary>Best windowed mean loss seen so far (+infinity before the first full window).</summary>
    public double Best { get; private set; } = double.PositiveInfinity;

    /// <summary>Consecutive windows without improvement.</summary>
    public int BadWindows { get; private set; }

    /// <summary>Adds one iteration's loss; returns true when the plateau rule says stop.</summary>
    /// <param name="loss">The monitored loss (the recogniser's contrastive loss), finite.</param>
    public bool Add(double loss)
    {
        if (_conditions.PlateauPatience <= 0) return false;
        _windowSum += loss;
        if (++_windowCount < _conditions.PlateauWindow) return false;
        var mean = _windowSum / _windowCount;
        _windowSum = 0;
        _windowCount = 0;
        if (mean < Best - _conditions.MinDelta) { Best = mean; BadWindows = 0; }
        else BadWindows++;
        return BadWindows >= _conditions.PlateauPatience;
    }

    /// <summary>Writes the tracker's state.</summary>
    /// <param name="writer">Destination.</param>
    public void Save(BinaryWriter writer)
    {
        writer.Write(Best); writer.Write(BadWindows); writer.Write(_windowSum); writer.Write(_windowCount);
    }

    /// <summary>Restores the state written by <see cref="Save"/>.</summary>
    /// <param name="reader">Source.</param>
    public void Load(BinaryReader reader)
    {
        Best = reader.ReadDouble(); BadWindows = reader.ReadInt32(); _windowSum = reader.ReadDouble(); _windowCount = reader.ReadInt32();
    }
}
