namespace SrFace.Degradation;

/// <summary>
/// How <see cref="FaceDegradation"/> turns a high-resolution (HR) face into a low-quality one (METHOD.md step 2,
/// "downsample"): Gaussian blur, bicubic downsampling with antialiasing, Gaussian noise, JPEG re-compression, in
/// that order (the classical degradation model y = JPEG((x * k) downsampled + n) of Real-ESRGAN / BSRGAN, first order).
/// </summary>
/// <remarks>
/// <para>LR size: with <see cref="TargetHeight"/>/<see cref="TargetWidth"/> unset it is
/// <c>floor(H / Scale) x floor(W / Scale)</c>; sides not divisible by <see cref="Scale"/> are rounded down and the whole
/// HR extent is resampled onto that grid (the effective factor is then <c>H / floor(H / Scale)</c>, slightly above
/// <see cref="Scale"/>). To keep the factor exact, crop first with <see cref="FaceDegradation.ModCrop"/> (BasicSR's
/// <c>mod_crop</c>). With a target size set, the LR image has exactly that size and <see cref="Scale"/> is ignored.</para>
/// <para>Every stochastic parameter is a <see cref="DegradationRange"/> drawn once per image; the default is no
/// blur, no noise, no JPEG, i.e. the field's plain bicubic-downsampling benchmark degradation.</para>
/// </remarks>
/// <param name="Scale">The integer downsampling factor (2, 3, 4, 8 are the field's usual ones); at least 1.</param>
/// <param name="BlurSigma">Standard deviation, in HR pixels, of the isotropic Gaussian blur applied before
/// downsampling; 0 turns it off. In [0, 10].</param>
/// <param name="NoiseSigma">Standard deviation of additive white Gaussian noise on the [0, 1] intensity scale
/// (e.g. 10/255 = 0.039), added to the LR image; 0 turns it off. In [0, 1].</param>
/// <param name="JpegQuality">JPEG quality (1-100, libjpeg scale) of the re-compression round trip, drawn per image
/// and rounded to an integer; <c>null</c> turns it off.</param>
/// <param name="TargetHeight">Exact LR height in pixels, instead of <c>H / Scale</c>; set together with <paramref name="TargetWidth"/>.</param>
/// <param name="TargetWidth">Exact LR width in pixels, instead of <c>W / Scale</c>; set together with <paramref name="TargetHeight"/>.</param>
public sealed record DegradationOptions(
    int Scale = 4,
    DegradationRange BlurSigma = default,
    DegradationRange NoiseSigma = default,
    DegradationRange? JpegQuality = null,
    int? TargetHeight = null,
    int? TargetWidth = null)
{
    /// <summary>True when an exact LR size is set (both <see cref="TargetHeight"/> and <see cref="TargetWidth"/>).</summary>
    public bool HasTargetSize => TargetHeight.HasValue && TargetWidth.HasValue;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When a value is outside its documented range.</exception>
    /// <exception cref="ArgumentException">When only one of the target sides is set.</exception>
    public void Validate()
    {
        if (Scale < 1) throw new ArgumentOutOfRangeException(nameof(Scale), $"Scale must be at least 1; got {Scale}.");
        BlurSigma.Validate(nameof(BlurSigma), 0, 10);
        NoiseSigma.Validate(nameof(NoiseSigma), 0, 1);
        JpegQuality?.Validate(nameof(JpegQuality), 1, 100);
        if (TargetHeight.HasValue != TargetWidth.HasValue)
            throw new ArgumentException($"Set both {nameof(TargetHeight)} and {nameof(TargetWidth)} or neither; got {TargetHeight?.ToString() ?? "null"} x {TargetWidth?.ToString() ?? "null"}.");
        if (TargetHeight < 1 || TargetWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(TargetHeight), $"The target LR size must be at least 1x1 pixels; got {TargetHeight}x{TargetWidth}.");
    }

    /// <summary>The LR size for an HR image of <paramref name="height"/> x <paramref name="width"/> pixels (see remarks on the rounding rule).</summary>
    /// <param name="height">HR height in pixels.</param>
    /// <param name="width">HR width in pixels.</param>
    /// <returns>The LR <c>(Height, Width)</c> in pixels.</returns>
    /// <exception cref="ArgumentException">When a LR side would be smaller than 1 pixel.</exception>
    public (int Height, int Width) LowResolutionSize(long height, long width)
    {
        if (HasTargetSize) return (TargetHeight!.Value, TargetWidth!.Value);
        long h = height / Scale, w = width / Scale; // floor: see remarks
        if (h < 1 || w < 1)
            throw new ArgumentException($"A {height}x{width} image downsampled x{Scale} would be {h}x{w} pixels; each side must be at least {Scale} pixels.");
        return ((int)h, (int)w);
    }
}
