using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Runtime;

/// <summary>
/// Tensor operations with scalar arguments that keep their native <c>Scalar</c> alive for the whole call.
/// </summary>
/// <remarks>
/// TorchSharp turns a C# number into a native <c>Scalar</c> object implicitly (<c>x.clamp(0, 1)</c>, <c>x.div_(255f)</c>)
/// and nothing references that object once its handle is passed to libtorch, so under garbage-collection pressure
/// its finaliser can free it while libtorch still reads it. We saw exactly that, rarely, in the image-loading path
/// ("Unknown scalar type" in <c>div_</c>, "Expected false to be true" in <c>clamp_</c>). These helpers hold the
/// scalars in <c>using</c> variables, which keeps them reachable until the call has returned.
/// </remarks>
public static class SafeScalars
{
    /// <summary>Returns <paramref name="x"/> clamped to [<paramref name="min"/>, <paramref name="max"/>] (a new tensor).</summary>
    /// <param name="x">Any floating-point tensor; not modified or disposed.</param>
    /// <param name="min">Lower bound.</param>
    /// <param name="max">Upper bound, &gt;= <paramref name="min"/>.</param>
    public static Tensor Clamp(Tensor x, double min = 0, double max = 1)
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        return x.clamp(lo, hi);
    }

    /// <summary>Clamps <paramref name="x"/> to [<paramref name="min"/>, <paramref name="max"/>] in place and returns it.</summary>
    /// <param name="x">Any floating-point tensor; modified.</param>
    /// <param name="min">Lower bound.</param>
    /// <param name="max">Upper bound, &gt;= <paramref name="min"/>.</param>
    public static Tensor Clamp_(Tensor x, double min = 0, double max = 1)
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        return x.clamp_(lo, hi);
    }
}
