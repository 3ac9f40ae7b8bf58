namespace SrFace.Recognition;

/// <summary>What a gallery was built with: embeddings from another model or of another width are refused.</summary>
/// <param name="ModelId">Identifier of the recogniser that made the embeddings (e.g. a catalogue name plus checkpoint hash).</param>
/// <param name="EmbeddingDimension">Embedding width D (floats per embedding), &gt;= 1.</param>
/// <param name="FormatVersion">Storage format version of the gallery file.</param>
public sealed record GalleryInfo(string ModelId, int EmbeddingDimension, int FormatVersion);

/// <summary>One enrolled identity.</summary>
/// <param name="Name">The identity's name (unique in the gallery, compared ordinally).</param>
/// <param name="ImageCount">Number of enrolled embeddings (images) behind its template.</param>
public sealed record GalleryIdentity(string Name, int ImageCount);

/// <summary>One enrolled face embedding and the image it came from.</summary>
/// <param name="Source">Path or other label of the source image (stored as given, for audit).</param>
/// <param name="Embedding">The embedding, <c>[D]</c> float32, as produced by the recogniser (stored unnormalised).</param>
public sealed record GalleryEmbedding(string Source, float[] Embedding);

/// <summary>A gallery identity and its cosine similarity to a probe.</summary>
/// <param name="Identity">The identity's name.</param>
/// <param name="Score">Cosine similarity of the probe embedding and the identity template, in [-1, 1].</param>
public readonly record struct GalleryMatch(string Identity, double Score);

/// <summary>Open-set identification outcome: ranked candidates and the accept/unknown decision.</summary>
/// <param name="Candidates">Up to top-k identities, highest score first (ties by name, ordinal).</param>
/// <param name="OpenSetThreshold">The threshold applied to the best score.</param>
public sealed record IdentificationResult(IReadOnlyList<GalleryMatch> Candidates, double OpenSetThreshold)
{
    /// <summary>True when the gallery is empty or the best score is below <see cref="OpenSetThreshold"/>: the probe is "unknown".</summary>
    public bool IsUnknown => Candidates.Count == 0 || Candidates[0].Score < OpenSetThreshold;

    /// <summary>The recognised identity, or null when <see cref="IsUnknown"/>.</summary>
    public string? Identity => IsUnknown ? null : Candidates[0].Identity;
}
