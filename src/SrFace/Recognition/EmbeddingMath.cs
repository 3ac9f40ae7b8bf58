namespace SrFace.Recognition;

/// <summary>
/// The one cosine similarity of SrFace (verification, identification, galleries, the evaluation's pair scores and the
/// HTTP service) and the vector helpers around it: float32 storage, float64 accumulation.
/// </summary>
public static class EmbeddingMath
{
    /// <summary>Euclidean length.</summary>
    /// <param name="v">A vector.</param>
    public static double Norm(ReadOnlySpan<float> v) => Math.Sqrt(Dot(v, v));

    /// <summary>Unit-length copy (the caller guarantees a non-zero vector).</summary>
    /// <param name="v">A non-zero vector.</param>
    public static float[] Normalize(float[] v)
    {
        var norm = Norm(v);
        return v.Select(x => (float)(x / norm)).ToArray();
    }

    /// <summary>Dot product, accumulated in float64; the cosine when both vectors have unit length.</summary>
    /// <param name="a">A vector.</param>
    /// <param name="b">A vector of the same length (not checked: the caller's storage guarantees it).</param>
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }

    /// <summary>
    /// Cosine similarity <c>a.b / (|a| |b|)</c> of two embeddings, in [-1, 1]; the product of the norms is floored at
    /// 1e-12 so that a zero vector scores 0 instead of NaN.
    /// </summary>
    /// <param name="a">Embedding (L2-normalised by every SrFace path, but any length works).</param>
    /// <param name="b">Embedding of the same length.</param>
    /// <returns>The cosine, in [-1, 1].</returns>
    /// <exception cref="ArgumentException">When the lengths differ.</exception>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Embeddings of different lengths ({a.Length} and {b.Length}).");
        return Dot(a, b) / Math.Sqrt(Math.Max(Dot(a, a) * Dot(b, b), 1e-24));
    }
}
