using SrFace.Detection;

namespace SrFace.FaceAlignment;

/// <summary>How a template places the face.</summary>
public enum AlignmentKind
{
    /// <summary>A similarity transform from chosen landmarks to the template's points.</summary>
    Landmarks,

    /// <summary>A fixed centred square crop of the image (pre-cropped data sets such as LFW deep-funneled, ORL, the tests); landmarks are not used.</summary>
    CentredCrop,

    /// <summary>An upright square placed from the eye and mouth landmarks (<see cref="FaceAlignment.LandmarkBox"/>), no rotation.</summary>
    LandmarkBox,
}

/// <summary>
/// Where a recogniser expects the face: target points in a reference chip of <see cref="ReferenceSize"/> pixels
/// (integer pixel-centre coordinates as dlib and OpenCV use: the first pixel's centre is (0, 0)) and which landmarks
/// map onto them, or a centred crop. Data, not code: the constants are the published ones.
/// </summary>
/// <param name="Name">Short name, e.g. <c>dlib-chip-150</c>.</param>
/// <param name="Kind">Landmark-based or centred crop.</param>
/// <param name="ReferenceSize">Side of the chip the points are given for, pixels (150 for dlib, 112 for ArcFace); other
/// output sizes scale the points.</param>
/// <param name="Points">Target points in the reference chip (empty for a centred crop).</param>
/// <param name="Landmark68Indices">For each target point, the 0-based index among the 68 landmarks mapped onto it; null
/// when the points are the five points of <see cref="FivePointLandmarks"/> (eyes, nose, mouth corners).</param>
/// <param name="BoxScale">Fallback when a face has no landmarks (too small): the output covers a square centred on the
/// detector box, of side <c>BoxScale x box side</c>. An approximation of the template, flagged on the face.</param>
/// <param name="CropFraction">For <see cref="AlignmentKind.CentredCrop"/>: crop side as a fraction of the image's shorter side.</param>
/// <param name="Box">For <see cref="AlignmentKind.LandmarkBox"/>: how the square follows the landmarks; null otherwise.</param>
public sealed record AlignmentTemplate(string Name, AlignmentKind Kind, int ReferenceSize, IReadOnlyList<PointF2> Points,
    IReadOnlyList<int>? Landmark68Indices, double BoxScale, double CropFraction = 1, LandmarkBox? Box = null)
{
    // dlib's mean face shape for 68-point landmarks 17..67 (dlib/image_transforms/interpolation.h,
    // get_face_chip_details), in [0, 1] of the unpadded chip. Public data (Boost Software License).
    private static readonly double[] DlibMeanX =
    [
        0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124,
        0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036,
        0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
        0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
        0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
        0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
        0.553364, 0.490127, 0.42689,
    ];

    private static readonly double[] DlibMeanY =
    [
        0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891,
        0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
        0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733,
        0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
        0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805,
        0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746,
        0.784792, 0.824182, 0.831803, 0.824182,
    ];

    /// <summary>
    /// dlib's face chip, <c>get_face_chip_details(shape, size, padding)</c> for a 68-point shape: landmarks 27-54 and
    /// 60-64 (dlib skips the eyebrows 17-26, the lower lip 55-59 and 65-67 and the jaw) onto the mean face, each
    /// mean point m placed at <c>(padding + m) / (2 padding + 1) x size</c>. The dlib ResNet was trained on
    /// <see cref="DlibChip150"/> (size 150, padding 0.25).
    /// </summary>
    /// <param name="size">Chip side in pixels, &gt;= 1.</param>
    /// <param name="padding">Padding around the mean face as a fraction of it, &gt;= 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">When size &lt; 1 or padding &lt; 0.</exception>
    public static AlignmentTemplate DlibChip(int size, double padding)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        var indices = Enumerable.Range(17, 51).Where(i => !(i is >= 55 and <= 59 || i is >= 65 and <= 67 || i is >= 17 and <= 26)).ToList();
        var points = indices.Select(i => new PointF2(
            (padding + DlibMeanX[i - 17]) / (2 * padding + 1) * size,
            (padding + DlibMeanY[i - 17]) / (2 * padding + 1) * size)).ToList();
        // The mean face spans [0, 1] horizontally; the chip is (1 + 2 padding) of it.
        return new AlignmentTemplate($"dlib-chip-{size}-{padding:0.##}", AlignmentKind.Landmarks, size, points, indices, 1 + 2 * padding);
    }

    /// <summary>dlib's 150 x 150 chip with padding 0.25, the input of the dlib face recognition ResNet (33 points).</summary>
    public static AlignmentTemplate DlibChip150 { get; } = DlibChip(150, 0.25);

    /// <summary>
    /// The insightface / ArcFace 112 x 112 five-point template (J. Deng et al., "ArcFace", CVPR 2019; insightface's
    /// <c>arcface_dst</c>): left eye (38.2946, 51.6963), right eye (73.5318, 51.5014), nose tip (56.0252, 71.7366),
    /// mouth corners (41.5493, 92.3655) and (70.7299, 92.2041), matched to <see cref="FivePointLandmarks"/>.
    /// </summary>
    public static AlignmentTemplate ArcFace112 { get; } = new("arcface-112", AlignmentKind.Landmarks, 112,
        [new(38.2946, 51.6963), new(73.5318, 51.5014), new(56.0252, 71.7366), new(41.5493, 92.3655), new(70.7299, 92.2041)],
        null, 1.15);

    /// <summary>
    /// face-api's framing of the dlib net (<see cref="FaceAlignment.LandmarkBox.FaceApi"/>): the upright square from the eye
    /// and mouth centres, resized to the output; no template points, no rotation. A face without landmarks is framed by
    /// its detector box (<see cref="BoxScale"/> 1), as face-api frames a bare detection.
    /// </summary>
    public static AlignmentTemplate FaceApiLandmarkBox { get; } =
        new("landmark-box", AlignmentKind.LandmarkBox, 150, [], FaceAlignment.LandmarkBox.Landmark68Indices, 1, Box: FaceAlignment.LandmarkBox.FaceApi);

    /// <summary>A centred square crop of <paramref name="fraction"/> of the shorter side (SrFace's pre-cropped data sets: 0.48 for LFW deep-funneled, 1 for ORL).</summary>
    /// <param name="fraction">Crop side over the shorter image side, in (0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">When the fraction is outside (0, 1].</exception>
    public static AlignmentTemplate CentredCrop(double fraction)
    {
        if (!(fraction > 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The crop fraction must lie in (0, 1].");
        return new AlignmentTemplate($"centred-crop-{fraction:0.###}", AlignmentKind.CentredCrop, 1, [], null, 1, fraction);
    }

    /// <summary>The template points for an output of <paramref name="size"/> pixels (pixel-centre coordinates scaled about the chip's edges).</summary>
    /// <param name="size">Output side in pixels, &gt;= 1.</param>
    public IReadOnlyList<PointF2> PointsFor(int size)
    {
        var f = (double)size / ReferenceSize;
        return Points.Select(p => new PointF2((p.X + 0.5) * f - 0.5, (p.Y + 0.5) * f - 0.5)).ToList();
    }

    /// <summary>The landmarks this template maps, picked from a face's 68 (or five) points, in the template's order.</summary>
    /// <param name="landmarks68">68 landmarks in image pixels.</param>
    /// <exception cref="InvalidOperationException">For a centred crop (it uses no landmarks).</exception>
    /// <exception cref="ArgumentException">When there are not 68 landmarks.</exception>
    public IReadOnlyList<PointF2> SelectLandmarks(IReadOnlyList<PointF2> landmarks68)
    {
        if (Kind == AlignmentKind.CentredCrop) throw new InvalidOperationException($"Template {Name} uses no landmarks.");
        ArgumentNullException.ThrowIfNull(landmarks68);
        if (landmarks68.Count != 68) throw new ArgumentException($"Expected 68 landmarks; got {landmarks68.Count}.", nameof(landmarks68));
        return Landmark68Indices is null ? FivePointLandmarks.From68(landmarks68).Points : Landmark68Indices.Select(i => landmarks68[i]).ToList();
    }
}
