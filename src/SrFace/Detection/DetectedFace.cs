using System.Collections;

namespace SrFace.Detection;

/// <summary>Which network found a face.</summary>
public enum FaceDetectorKind
{
    /// <summary><see cref="TinyFaceDetector"/> at its normal input size.</summary>
    Tiny,

    /// <summary><see cref="SsdMobilenetV1"/> (the fallback when the tiny detector finds nothing).</summary>
    Ssd,

    /// <summary><see cref="TinyFaceDetector"/> at the large input size (the last fallback, for small faces in big photos).</summary>
    TinyLarge,
}

/// <summary>
/// The five points of the ArcFace / insightface alignment, from the 68-point markup (0-based): eye centres = means of
/// points 36-41 and 42-47, nose tip = 30, mouth corners = 48 and 54. "Left" and "right" are as seen in the image
/// (<see cref="LeftEye"/> is the subject's right eye), the order of insightface's template.
/// </summary>
/// <param name="LeftEye">Centre of the eye on the image's left (points 36-41), pixels.</param>
/// <param name="RightEye">Centre of the eye on the image's right (points 42-47), pixels.</param>
/// <param name="Nose">Nose tip (point 30), pixels.</param>
/// <param name="MouthLeft">Mouth corner on the image's left (point 48), pixels.</param>
/// <param name="MouthRight">Mouth corner on the image's right (point 54), pixels.</param>
public sealed record FivePointLandmarks(PointF2 LeftEye, PointF2 RightEye, PointF2 Nose, PointF2 MouthLeft, PointF2 MouthRight)
{
    /// <summary>The five points in template order (left eye, right eye, nose, left mouth, right mouth).</summary>
    public IReadOnlyList<PointF2> Points => [LeftEye, RightEye, Nose, MouthLeft, MouthRight];

    /// <summary>Inter-ocular distance: between the two eye centres, pixels.</summary>
    public double InterOcularDistance => LeftEye.DistanceTo(RightEye);

    /// <summary>Derives the five points from 68 landmarks.</summary>
    /// <param name="landmarks68">The 68 points (iBUG 300-W order, 0-based).</param>
    /// <exception cref="ArgumentException">When there are not 68 points.</exception>
    public static FivePointLandmarks From68(IReadOnlyList<PointF2> landmarks68)
    {
        ArgumentNullException.ThrowIfNull(landmarks68);
        if (landmarks68.Count != 68) throw new ArgumentException($"Expected 68 landmarks; got {landmarks68.Count}.", nameof(landmarks68));
        PointF2 Mean(int from, int to)
        {
            var n = to - from + 1;
            double x = 0, y = 0;
            for (var i = from; i <= to; i++) { x += landmarks68[i].X; y += landmarks68[i].Y; }
            return new PointF2(x / n, y / n);
        }
        return new FivePointLandmarks(Mean(36, 41), Mean(42, 47), landmarks68[30], landmarks68[48], landmarks68[54]);
    }
}

/// <summary>How large a face is in the photo, the measure that decides whether a probe needs restoration.</summary>
/// <param name="InterOcularDistance">Distance between the eye centres in original-image pixels; null when the face
/// had no landmarks (too small).</param>
/// <param name="BoxSide">Detector box side sqrt(w h) in original-image pixels.</param>
public readonly record struct FaceSize(double? InterOcularDistance, double BoxSide);

/// <summary>One face found in a photo: the detector box and score, its landmarks (or why there are none) and its size.</summary>
/// <param name="Box">Detector box in original-image pixels (continuous coordinates; may extend past the border).</param>
/// <param name="Score">Detector confidence in (0, 1) (scores of different detectors are not comparable).</param>
/// <param name="Detector">The network that found it.</param>
/// <param name="Landmarks68">68 landmarks in original-image pixels, or null when the face was too small for the
/// landmark net (see <see cref="LandmarksFromBox"/>).</param>
/// <param name="FivePoints">The five alignment points from <paramref name="Landmarks68"/>, or null with them.</param>
/// <param name="Size">Inter-ocular distance and box side.</param>
public sealed record DetectedFace(FaceBox Box, double Score, FaceDetectorKind Detector, IReadOnlyList<PointF2>? Landmarks68,
    FivePointLandmarks? FivePoints, FaceSize Size)
{
    /// <summary>True when the face was too small for landmarks: alignment must fall back to the detector box.</summary>
    public bool LandmarksFromBox => Landmarks68 is null;

    /// <summary>The same face with its box and points moved by (<paramref name="dx"/>, <paramref name="dy"/>) pixels: from a
    /// padded copy of a photo (where it was found) back to the photo's own pixels.</summary>
    /// <param name="dx">Shift along x, pixels.</param>
    /// <param name="dy">Shift along y, pixels.</param>
    public DetectedFace Translated(double dx, double dy)
    {
        PointF2 Move(PointF2 p) => new(p.X + dx, p.Y + dy);
        return this with
        {
            Box = Box with { X = Box.X + dx, Y = Box.Y + dy },
            Landmarks68 = Landmarks68?.Select(Move).ToArray(),
            FivePoints = FivePoints is null ? null : new FivePointLandmarks(Move(FivePoints.LeftEye), Move(FivePoints.RightEye),
                Move(FivePoints.Nose), Move(FivePoints.MouthLeft), Move(FivePoints.MouthRight)),
        };
    }
}

/// <summary>What a photo gave.</summary>
public enum DetectionOutcome
{
    /// <summary>No face at all (blank wall, noise): there is nothing to compare, never a similarity.</summary>
    NoFace,

    /// <summary>Exactly one face.</summary>
    OneFace,

    /// <summary>More than one face; <see cref="FaceDetectionResult.Largest"/> is the default choice.</summary>
    SeveralFaces,
}

/// <summary>The faces of one photo, largest box first, with the outcome; a list of <see cref="DetectedFace"/>.</summary>
public sealed class FaceDetectionResult : IReadOnlyList<DetectedFace>
{
    private readonly IReadOnlyList<DetectedFace> faces;

    /// <summary>Creates a result; faces are sorted by box area, largest first.</summary>
    /// <param name="faces">The faces found (any order).</param>
    /// <param name="imageWidth">Original image width, pixels.</param>
    /// <param name="imageHeight">Original image height, pixels.</param>
    /// <param name="detectionScale">Factor from original to detection pixels (1 unless the photo was downscaled).</param>
    public FaceDetectionResult(IEnumerable<DetectedFace> faces, int imageWidth, int imageHeight, double detectionScale)
    {
        this.faces = faces.OrderByDescending(f => f.Box.Area).ToList();
        (ImageWidth, ImageHeight, DetectionScale) = (imageWidth, imageHeight, detectionScale);
    }

    /// <summary>Original image width, pixels.</summary>
    public int ImageWidth { get; }

    /// <summary>Original image height, pixels.</summary>
    public int ImageHeight { get; }

    /// <summary>Factor from original-image to detection pixels, in (0, 1]; below 1 when a very large photo was downscaled for detection.</summary>
    public double DetectionScale { get; }

    /// <summary>No face, one, or several.</summary>
    public DetectionOutcome Outcome => faces.Count switch { 0 => DetectionOutcome.NoFace, 1 => DetectionOutcome.OneFace, _ => DetectionOutcome.SeveralFaces };

    /// <summary>The face with the largest box (the default choice), or null when there is none.</summary>
    public DetectedFace? Largest => faces.Count > 0 ? faces[0] : null;

    /// <inheritdoc/>
    public DetectedFace this[int index] => faces[index];

    /// <inheritdoc/>
    public int Count => faces.Count;

    /// <inheritdoc/>
    public IEnumerator<DetectedFace> GetEnumerator() => faces.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
