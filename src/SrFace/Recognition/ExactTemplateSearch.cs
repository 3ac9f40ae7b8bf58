using System.Numerics;

namespace SrFace.Recognition;

/// <summary>
/// Exact nearest-template search in memory: the unit templates of a gallery in one contiguous float32 matrix,
/// scanned with SIMD dot products and a top-k heap; the k winners' scores are recomputed in float64.
/// </summary>
/// <remarks>Immutable once built, so it can be shared by readers.</remarks>
internal sealed class ExactTemplateSearch
{
    private readonly string[] _names;
    private readonly float[] _matrix; // [n, D] row-major
    private readonly int _dimension;

    /// <summary>Builds the index from (name, unit template) pairs of width <paramref name="dimension"/>.</summary>
    public ExactTemplateSearch(IReadOnlyList<(string Name, float[] Template)> templates, int dimension)
    {
        _dimension = dimension;
        _names = new string[templates.Count];
        _matrix = new float[templates.Count * dimension];
        for (var i = 0; i < templates.Count; i++)
        {
            _names[i] = templates[i].Name;
            templates[i].Template.CopyTo(_matrix, i * dimension);
        }
    }

    /// <summary>Number of templates.</summary>
    public int Count => _names.Length;

    /// <summary>The <paramref name="topK"/> best matches of a unit probe, highest score first, ties by name (ordinal).</summary>
    public IReadOnlyList<GalleryMatch> Search(float[] probe, int topK)
    {
        var k = Math.Min(topK, _names.Length);
        if (k == 0) return [];
        // Min-heap of the best k so far: the root is the worst kept (lowest score; among equal scores the greatest name).
        var heap = new PriorityQueue<int, (float Score, string Name)>(k + 1, WorstFirst.Instance);
        var probeSpan = probe.AsSpan();
        for (var i = 0; i < _names.Length; i++)
        {
            var score = Dot(probeSpan, _matrix.AsSpan(i * _dimension, _dimension));
            if (heap.Count < k) heap.Enqueue(i, (score, _names[i]));
            else if (heap.TryPeek(out _, out var worst) && WorstFirst.Instance.Compare((score, _names[i]), worst) > 0)
                heap.EnqueueDequeue(i, (score, _names[i]));
        }
        var winners = new List<GalleryMatch>(k);
        while (heap.Count > 0)
        {
            var i = heap.Dequeue();
            // The kept few are rescored with the one float64 dot product (the float32 one above only ranks).
            winners.Add(new GalleryMatch(_names[i], EmbeddingMath.Dot(probe, _matrix.AsSpan(i * _dimension, _dimension))));
        }
        return winners.OrderByDescending(m => m.Score).ThenBy(m => m.Identity, StringComparer.Ordinal).ToList();
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var i = 0;
        for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            sum += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
        var total = Vector.Sum(sum);
        for (; i < a.Length; i++) total += a[i] * b[i];
        return total;
    }

    /// <summary>Orders (score, name) so that the worse match comes first: lower score, then greater name.</summary>
    private sealed class WorstFirst : IComparer<(float Score, string Name)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((float Score, string Name) x, (float Score, string Name) y)
        {
            var byScore = x.Score.CompareTo(y.Score);
            return byScore != 0 ? byScore : string.CompareOrdinal(y.Name, x.Name);
        }
    }
}
