namespace SrFace.Detection;

/// <summary>
/// An axis-aligned box in image pixels, continuous coordinates: pixel (i, j) covers [i, i + 1) x [j, j + 1), so the
/// image spans [0, W] x [0, H] (face-api's convention). <see cref="X"/>, <see cref="Y"/> = top-left corner.
/// </summary>
/// <param name="X">Left edge in pixels (may be negative when the box leaves the image).</param>
/// <param name="Y">Top edge in pixels.</param>
/// <param name="Width">Width in pixels, &gt;= 0.</param>
/// <param name="Height">Height in pixels, &gt;= 0.</param>
public readonly record struct FaceBox(double X, double Y, double Width, double Height)
{
    /// <summary>Right edge, <c>X + Width</c>, pixels.</summary>
    public double Right => X + Width;

    /// <summary>Bottom edge, <c>Y + Height</c>, pixels.</summary>
    public double Bottom => Y + Height;

    /// <summary>Area in square pixels (0 for an empty box).</summary>
    public double Area => Math.Max(0, Width) * Math.Max(0, Height);

    /// <summary>Side of the box: <c>sqrt(Width * Height)</c> in pixels (the geometric mean, a size measure robust to aspect).</summary>
    public double Side => Math.Sqrt(Area);

    /// <summary>Builds a box from its corners.</summary>
    /// <param name="left">Left edge, pixels.</param>
    /// <param name="top">Top edge, pixels.</param>
    /// <param name="right">Right edge, pixels (&gt;= left for a non-empty box).</param>
    /// <param name="bottom">Bottom edge, pixels.</param>
    public static FaceBox FromCorners(double left, double top, double right, double bottom) => new(left, top, right - left, bottom - top);

    /// <summary>Intersection over union (Jaccard index) of two boxes, in [0, 1]; 0 when either is empty.</summary>
    /// <param name="other">The other box, same coordinate frame.</param>
    public double IoU(FaceBox other)
    {
        var w = Math.Max(0, Math.Min(Right, other.Right) - Math.Max(X, other.X));
        var h = Math.Max(0, Math.Min(Bottom, other.Bottom) - Math.Max(Y, other.Y));
        var inter = w * h;
        var union = Area + other.Area - inter;
        return union <= 0 ? 0 : inter / union;
    }

    /// <summary>The box scaled about the origin: every coordinate times <paramref name="sx"/> (x) or <paramref name="sy"/> (y).</summary>
    /// <param name="sx">Horizontal factor, &gt; 0.</param>
    /// <param name="sy">Vertical factor, &gt; 0.</param>
    public FaceBox Scale(double sx, double sy) => new(X * sx, Y * sy, Width * sx, Height * sy);

    /// <summary>
    /// face-api's <c>Box.clipAtImageBorders</c>: clipped to [0, W] x [0, H], then x, y, width, height each floored to
    /// whole pixels; the pixel region a crop of this box reads. Width or height may be 0 (nothing to crop).
    /// </summary>
    /// <param name="imageWidth">Image width W in pixels.</param>
    /// <param name="imageHeight">Image height H in pixels.</param>
    /// <returns>(x, y, width, height) in whole pixels, inside the image.</returns>
    public (int X, int Y, int Width, int Height) ClipToPixels(int imageWidth, int imageHeight)
    {
        var x = Math.Max(X, 0);
        var y = Math.Max(Y, 0);
        var w = Math.Min(Right - x, imageWidth - x);
        var h = Math.Min(Bottom - y, imageHeight - y);
        return ((int)Math.Floor(x), (int)Math.Floor(y), (int)Math.Max(0, Math.Floor(w)), (int)Math.Max(0, Math.Floor(h)));
    }

    /// <inheritdoc/>
    public override string ToString() => $"({X:0.#}, {Y:0.#}) {Width:0.#}x{Height:0.#}";
}

/// <summary>One raw detector output: a box in original-image pixels and the detector's confidence.</summary>
/// <param name="Box">Face box in original-image pixels (may extend past the image border).</param>
/// <param name="Score">Confidence in (0, 1): sigmoid of the detector's face logit.</param>
public sealed record FaceDetection(FaceBox Box, double Score);
