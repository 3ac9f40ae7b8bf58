using SrFace.Detection;

namespace SrFace.FaceAlignment;

/// <summary>
/// A 2-D similarity transform (uniform scale, rotation, translation; no reflection):
/// <c>x' = a x - b y + tx</c>, <c>y' = b x + a y + ty</c>, i.e. <c>s R(θ) p + t</c> with a = s cos θ, b = s sin θ.
/// </summary>
/// <param name="A">s cos θ.</param>
/// <param name="B">s sin θ.</param>
/// <param name="Tx">Horizontal translation.</param>
/// <param name="Ty">Vertical translation.</param>
public readonly record struct SimilarityTransform(double A, double B, double Tx, double Ty)
{
    /// <summary>The identity.</summary>
    public static SimilarityTransform Identity => new(1, 0, 0, 0);

    /// <summary>Scale factor s = sqrt(a² + b²), &gt; 0 for a valid transform.</summary>
    public double Scale => Math.Sqrt(A * A + B * B);

    /// <summary>Rotation angle θ in radians, in (-π, π] (positive = clockwise on screen, since image y points down).</summary>
    public double Rotation => Math.Atan2(B, A);

    /// <summary>Builds a transform from scale, angle and translation.</summary>
    /// <param name="scale">Scale factor s &gt; 0.</param>
    /// <param name="radians">Rotation θ in radians.</param>
    /// <param name="tx">Horizontal translation.</param>
    /// <param name="ty">Vertical translation.</param>
    public static SimilarityTransform From(double scale, double radians, double tx, double ty) =>
        new(scale * Math.Cos(radians), scale * Math.Sin(radians), tx, ty);

    /// <summary>Maps one point.</summary>
    /// <param name="p">The point.</param>
    public PointF2 Apply(PointF2 p) => new(A * p.X - B * p.Y + Tx, B * p.X + A * p.Y + Ty);

    /// <summary>The inverse transform.</summary>
    /// <exception cref="InvalidOperationException">When the scale is 0 (not invertible).</exception>
    public SimilarityTransform Inverse()
    {
        var d = A * A + B * B;
        if (d <= 0) throw new InvalidOperationException("A similarity transform with scale 0 has no inverse.");
        var (ia, ib) = (A / d, -B / d);
        return new SimilarityTransform(ia, ib, -(ia * Tx - ib * Ty), -(ib * Tx + ia * Ty));
    }

    /// <summary>
    /// The least-squares similarity transform T minimising <c>Σ |T(from_i) - to_i|²</c> (S. Umeyama, "Least-squares
    /// estimation of transformation parameters between two point patterns", IEEE TPAMI 13(4), 1991), in its 2-D
    /// closed form: with centred points p, q and <c>σ² = Σ |p|²</c>, <c>a = Σ (p·q) / σ²</c>,
    /// <c>b = Σ (p × q) / σ²</c>, t = mean(q) - [a -b; b a] mean(p). This equals Umeyama's SVD solution with the
    /// reflection excluded, which is also what dlib's <c>find_similarity_transform</c> computes.
    /// </summary>
    /// <param name="from">Source points (at least 2, not all equal).</param>
    /// <param name="to">Target points, same count and order.</param>
    /// <returns>The transform mapping <paramref name="from"/> onto <paramref name="to"/>.</returns>
    /// <exception cref="ArgumentException">When the counts differ, there are fewer than 2 points, or the source points coincide.</exception>
    public static SimilarityTransform Estimate(IReadOnlyList<PointF2> from, IReadOnlyList<PointF2> to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (from.Count != to.Count) throw new ArgumentException($"Point counts differ: {from.Count} vs {to.Count}.", nameof(to));
        if (from.Count < 2) throw new ArgumentException("At least two point pairs are needed.", nameof(from));
        double mfx = 0, mfy = 0, mtx = 0, mty = 0;
        for (var i = 0; i < from.Count; i++) { mfx += from[i].X; mfy += from[i].Y; mtx += to[i].X; mty += to[i].Y; }
        var n = from.Count;
        (mfx, mfy, mtx, mty) = (mfx / n, mfy / n, mtx / n, mty / n);
        double sigma = 0, dot = 0, cross = 0;
        for (var i = 0; i < n; i++)
        {
            var (px, py) = (from[i].X - mfx, from[i].Y - mfy);
            var (qx, qy) = (to[i].X - mtx, to[i].Y - mty);
            sigma += px * px + py * py;
            dot += px * qx + py * qy;
            cross += px * qy - py * qx;
        }
        if (sigma <= 1e-12) throw new ArgumentException("The source points coincide; no transform is defined.", nameof(from));
        var (a, b) = (dot / sigma, cross / sigma);
        return new SimilarityTransform(a, b, mtx - (a * mfx - b * mfy), mty - (b * mfx + a * mfy));
    }
}
