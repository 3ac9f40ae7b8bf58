namespace SrFace.Training;

/// <summary>The shape of the learning-rate curve over iterations.</summary>
public enum LearningRateShape
{
    /// <summary>The base learning rate throughout (after warm-up).</summary>
    Constant,

    /// <summary>Cosine decay from the base rate to <c>base x FinalFraction</c> at the last iteration (Loshchilov and Hutter, SGDR, ICLR 2017, without restarts).</summary>
    Cosine,

    /// <summary>Multiply by 0.1 at 50% and again at 75% of the iterations (the step schedule of face-recognition training recipes).</summary>
    Step,
}

/// <summary>
/// A learning-rate schedule as a pure function of the iteration number, so that a resumed run sets exactly the
/// rates an uninterrupted run would (there is no scheduler state to save). Linear warm-up from 10% of the base
/// rate over <see cref="WarmupIterations"/>, then <see cref="Shape"/>.
/// </summary>
/// <param name="BaseRate">Peak learning rate, &gt; 0.</param>
/// <param name="TotalIterations">The run's iteration budget, &gt;= 1.</param>
/// <param name="Shape">Curve after warm-up.</param>
/// <param name="WarmupIterations">Iterations of linear warm-up, &gt;= 0.</param>
/// <param name="FinalFraction">For <see cref="LearningRateShape.Cosine"/>: the final rate as a fraction of the base, in [0, 1].</param>
public sealed record LearningRateSchedule(
    double BaseRate,
    long TotalIterations,
    LearningRateShape Shape = LearningRateShape.Cosine,
    long WarmupIterations = 0,
    double FinalFraction = 0.01)
{
    /// <summary>The learning rate for a 0-based iteration.</summary>
    /// <param name="iteration">0-based iteration; values past <see cref="TotalIterations"/> keep the final rate.</param>
    /// <returns>The rate, &gt; 0 unless <see cref="FinalFraction"/> is 0 at the very end.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When the schedule's parameters are out of range.</exception>
    public double At(long iteration)
    {
        if (BaseRate <= 0 || TotalIterations < 1 || WarmupIterations < 0 || FinalFraction is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(BaseRate), $"Invalid learning-rate schedule {this}.");
        if (iteration < WarmupIterations)
            return BaseRate * (0.1 + 0.9 * iteration / Math.Max(1.0, WarmupIterations));
        var span = Math.Max(1, TotalIterations - WarmupIterations);
        var progress = Math.Clamp((iteration - WarmupIterations) / (double)span, 0, 1);
        return Shape switch
        {
            LearningRateShape.Constant => BaseRate,
            LearningRateShape.Cosine => BaseRate * (FinalFraction + (1 - FinalFraction) * 0.5 * (1 + Math.Cos(Math.PI * progress))),
            LearningRateShape.Step => BaseRate * (progress >= 0.75 ? 0.01 : progress >= 0.5 ? 0.1 : 1),
            _ => throw new ArgumentOutOfRangeException(nameof(Shape), Shape, "Unknown learning-rate shape."),
        };
    }
}
