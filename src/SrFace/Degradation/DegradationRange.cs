namespace SrFace.Degradation;

/// <summary>
/// A closed interval <c>[Min, Max]</c> from which a degradation parameter (blur sigma, noise sigma, JPEG quality) is
/// drawn uniformly, once per image. <c>Min == Max</c> is a fixed value; a <see cref="double"/> converts implicitly to
/// such a fixed range, so <c>BlurSigma: 1.2</c> and <c>BlurSigma: new(0.5, 2.0)</c> both read naturally.
/// </summary>
/// <param name="Min">The lower bound (inclusive).</param>
/// <param name="Max">The upper bound (inclusive); at least <paramref name="Min"/>.</param>
public readonly record struct DegradationRange(double Min, double Max)
{
    /// <summary>A fixed value: the range <c>[value, value]</c>.</summary>
    /// <param name="value">The value every image gets.</param>
    public static implicit operator DegradationRange(double value) => new(value, value);

    /// <summary>True when the range is the single value 0 (the degradation is off).</summary>
    public bool IsZero => Min == 0 && Max == 0;

    /// <summary>True when <see cref="Min"/> equals <see cref="Max"/> (no random draw is needed).</summary>
    public bool IsFixed => Min == Max;

    /// <summary>Draws a value uniformly from <c>[Min, Max]</c>.</summary>
    /// <param name="random">The seeded source of randomness; one <see cref="Random.NextDouble"/> is consumed even for a fixed range, so the draw sequence does not depend on which ranges are fixed.</param>
    /// <returns>A value in <c>[Min, Max]</c>.</returns>
    public double Sample(Random random)
    {
        var u = random.NextDouble();
        return IsFixed ? Min : Min + u * (Max - Min);
    }

    /// <summary>Throws when the range is reversed, not finite or outside <c>[lowest, highest]</c>.</summary>
    /// <param name="name">The option name, for the message.</param>
    /// <param name="lowest">The smallest allowed value.</param>
    /// <param name="highest">The largest allowed value.</param>
    /// <exception cref="ArgumentOutOfRangeException">When the range is invalid.</exception>
    internal void Validate(string name, double lowest, double highest)
    {
        if (!double.IsFinite(Min) || !double.IsFinite(Max) || Min > Max || Min < lowest || Max > highest)
            throw new ArgumentOutOfRangeException(name, $"{name} must be a range [min, max] with {lowest} <= min <= max <= {highest}; got [{Min}, {Max}].");
    }

    /// <inheritdoc />
    public override string ToString() => IsFixed ? $"{Min}" : $"[{Min}, {Max}]";
}
