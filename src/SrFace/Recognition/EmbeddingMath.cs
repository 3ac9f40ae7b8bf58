namespace SrFace.Recognition;

/// <summary>Small vector helpers for embeddings (float32 storage, float64 accumulation).</summary>
internal static class EmbeddingMath
{
    /// <summary>Euclidean length.</summary>
    public static double Norm(float[] v)
    {
        var sum = 0.0;
        foreach (var x in v) sum += (double)x * x;
        return Math.Sqrt(sum);
    }

    /// <summary>Unit-length copy (the caller guarantees a non-zero vector).</summary>
    public static float[] Normalize(float[] v)
    {
        var norm = Norm(v);
        return v.Select(x => (float)(x / norm)).ToArray();
    }

    /// <summary>Dot product; the cosine when both vectors have unit length.</summary>
    public static double Dot(float[] a, float[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }
}
