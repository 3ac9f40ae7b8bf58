using SrFace.Detection;

namespace SrFace.FaceAlignment;

/// <summary>
/// face-api's framing for its port of dlib's recogniser (@vladmandic/face-api 1.7.15, <c>FaceLandmarks.align</c> with
/// <c>useDlibAlignment: true</c>, which every <c>withFaceDescriptor(s)</c> call uses): an upright square (no rotation)
/// derived from three centres of the 68 landmarks, the left eye (mean of points 36-41), the right eye (42-47) and the
/// mouth (48-67). Its side is the mean eye-to-mouth distance divided by <see cref="EyeMouthFraction"/>; the centroid of
/// the three centres sits at (<see cref="CentreX"/>, <see cref="CentreY"/>) of the square. face-api then slices that
/// square from the image and resizes it bilinearly to 150 x 150.
/// </summary>
/// <remarks>
/// SrFace keeps the square in continuous coordinates. face-api floors its side and corner to whole pixels, clamps a
/// negative corner to 0 (moving the square inside the image) and pads a square cut by the right or bottom border with
/// zeros on both sides; here the parts outside the image are zeros where they fall. These differ by under a pixel
/// for faces inside the image (all of LFW).
/// </remarks>
/// <param name="CentreX">Horizontal position of the centres' centroid in the square, as a fraction of its side (0.5).</param>
/// <param name="CentreY">Vertical position of the centroid, as a fraction of the side from the top (0.43).</param>
/// <param name="EyeMouthFraction">Mean eye-to-mouth distance as a fraction of the side (0.45), in (0, 1].</param>
public sealed record LandmarkBox(double CentreX = 0.5, double CentreY = 0.43, double EyeMouthFraction = 0.45)
{
    /// <summary>The 0-based indices of the 68 landmarks the box reads: both eyes (36-47), then the mouth (48-67).</summary>
    public static IReadOnlyList<int> Landmark68Indices { get; } = Enumerable.Range(36, 32).ToArray();

    /// <summary>face-api's constants (0.5, 0.43, 0.45).</summary>
    public static LandmarkBox FaceApi { get; } = new();

    /// <summary>The square for a face.</summary>
    /// <param name="eyesAndMouth">The 32 landmarks of <see cref="Landmark68Indices"/> in that order, in image pixels
    /// (continuous coordinates: pixel i covers [i, i + 1)).</param>
    /// <returns>Top-left corner and side of the square, in the same coordinates; the side is &gt; 0.</returns>
    /// <exception cref="ArgumentException">When there are not 32 points, or the eyes and mouth coincide (side 0).</exception>
    public (double X, double Y, double Side) Square(IReadOnlyList<PointF2> eyesAndMouth)
    {
        ArgumentNullException.ThrowIfNull(eyesAndMouth);
        if (eyesAndMouth.Count != Landmark68Indices.Count)
            throw new ArgumentException($"Expected the {Landmark68Indices.Count} eye and mouth landmarks (36-67); got {eyesAndMouth.Count}.", nameof(eyesAndMouth));
        var leftEye = Mean(eyesAndMouth, 0, 6);
        var rightEye = Mean(eyesAndMouth, 6, 6);
        var mouth = Mean(eyesAndMouth, 12, 20);
        var eyeToMouth = (Distance(leftEye, mouth) + Distance(rightEye, mouth)) / 2;
        var side = eyeToMouth / EyeMouthFraction;
        if (!(side > 0)) throw new ArgumentException("The eye and mouth centres coincide; the face has no size.", nameof(eyesAndMouth));
        var (cx, cy) = ((leftEye.X + rightEye.X + mouth.X) / 3, (leftEye.Y + rightEye.Y + mouth.Y) / 3);
        return (cx - CentreX * side, cy - CentreY * side, side);
    }

    /// <summary>Throws when a constant is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When a centre lies outside [0, 1] or the fraction outside (0, 1].</exception>
    public void Validate()
    {
        if (!(CentreX is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(CentreX), CentreX, "Must lie in [0, 1].");
        if (!(CentreY is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(CentreY), CentreY, "Must lie in [0, 1].");
        if (!(EyeMouthFraction is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(EyeMouthFraction), EyeMouthFraction, "Must lie in (0, 1].");
    }

    private static PointF2 Mean(IReadOnlyList<PointF2> points, int start, int count)
    {
        double x = 0, y = 0;
        for (var i = start; i < start + count; i++) { x += points[i].X; y += points[i].Y; }
        return new PointF2(x / count, y / count);
    }

    private static double Distance(PointF2 a, PointF2 b) => Math.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));
}
