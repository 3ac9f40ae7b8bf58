namespace SrFace.Cascade;

/// <summary>
/// How the cascade combines the embedding of a probe (bicubic-upsampled to the recogniser's input) with the
/// embedding of its restored version into one embedding (METHOD.md step 12).
/// </summary>
public enum FeatureFusion
{
    /// <summary>Mean of the two L2-normalised embeddings, re-normalised (the default).</summary>
    Mean,

    /// <summary>Concatenation of the two L2-normalised embeddings, divided by sqrt(2) (unit length, width 2D).</summary>
    Concatenate,

    /// <summary>The restored image's embedding only.</summary>
    RestoredOnly,

    /// <summary>The upsampled probe's embedding only (the SR model is not used).</summary>
    ProbeOnly,
}
