namespace SrFace.Models.SuperResolution;

/// <summary>Argument checks shared by the SR models' constructors.</summary>
internal static class SrOptionChecks
{
    /// <summary>The upscaling factors the built-in SR models support.</summary>
    public static readonly int[] SupportedScales = [2, 3, 4, 8];

    /// <summary>Throws unless <paramref name="scale"/> is 2, 3, 4 or 8.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When the scale is unsupported.</exception>
    public static void Scale(int scale)
    {
        if (Array.IndexOf(SupportedScales, scale) < 0)
            throw new ArgumentOutOfRangeException(nameof(scale), $"Upscaling factor must be one of {string.Join(", ", SupportedScales)}; got {scale}.");
    }
}
