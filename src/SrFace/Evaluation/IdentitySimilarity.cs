using SrFace.Recognition;
using static TorchSharp.torch;

namespace SrFace.Evaluation;

/// <summary>
/// Identity preservation of super-resolution: the cosine similarity between the embedding of each high-resolution
/// face and the embedding of its super-resolved counterpart (same recogniser for both), averaged over the batch.
/// </summary>
public static class IdentitySimilarity
{
    /// <summary>Cosine similarity of each row pair, <c>[N]</c> float64 values in [-1, 1]: SrFace's one cosine
    /// (<see cref="EmbeddingMath.Cosine"/>) on each pair of rows.</summary>
    /// <param name="reference">Embeddings of the reference (HR) faces, <c>[N, D]</c>. Not disposed.</param>
    /// <param name="candidate">Embeddings of the matching SR (or LR) faces, <c>[N, D]</c>, row i paired with row i. Not disposed.</param>
    /// <returns>One cosine per pair.</returns>
    /// <exception cref="ArgumentException">When the tensors are not 2-D of equal shape with N &gt;= 1.</exception>
    public static double[] PerPair(Tensor reference, Tensor candidate)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidate);
        if (reference.dim() != 2 || !reference.shape.SequenceEqual(candidate.shape) || reference.shape[0] == 0)
            throw new ArgumentException($"Expected two embedding matrices [N, D] of equal shape with N >= 1; got [{string.Join(", ", reference.shape)}] and [{string.Join(", ", candidate.shape)}].", nameof(candidate));
        using var scope = NewDisposeScope();
        var width = (int)reference.shape[1];
        var a = reference.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();  // [N * D]
        var b = candidate.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        return Enumerable.Range(0, (int)reference.shape[0])
            .Select(i => EmbeddingMath.Cosine(a.AsSpan(i * width, width), b.AsSpan(i * width, width))).ToArray();
    }

    /// <summary>Mean cosine similarity of paired embeddings (the "cosine of HR and SR embeddings" metric).</summary>
    /// <param name="reference">Embeddings of the reference faces, <c>[N, D]</c>. Not disposed.</param>
    /// <param name="candidate">Embeddings of the paired faces, <c>[N, D]</c>. Not disposed.</param>
    /// <returns>The mean cosine, in [-1, 1].</returns>
    /// <exception cref="ArgumentException">As for <see cref="PerPair"/>.</exception>
    public static double Mean(Tensor reference, Tensor candidate) => PerPair(reference, candidate).Average();
}
