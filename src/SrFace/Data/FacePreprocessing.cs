using SrFace.Imaging;
using SrFace.Models;

namespace SrFace.Data;

/// <summary>
/// How a face image becomes a model input: a centred square crop, then a bicubic antialiased resize to
/// <see cref="Size"/> x <see cref="Size"/> (PyTorch <c>interpolate(mode="bicubic", align_corners=False,
/// antialias=True)</c>, the field's default), clamped to [0, 1].
/// </summary>
/// <param name="Size">Model input side S in pixels (e.g. 64 or 112), at least 1.</param>
/// <param name="CropFraction">Crop side as a fraction of the image's shorter side, in (0, 1]. LFW deep-funneled
/// faces fill about 120 of 250 pixels, hence 0.48; ORL (92x112) uses 1, the largest centred square.</param>
/// <param name="CropPixels">Crop side in pixels, overriding <paramref name="CropFraction"/>; an image smaller than
/// this is an error.</param>
/// <param name="Color">Channel layout of the output (RGB, grey or the file's own).</param>
/// <param name="Alignment">How the face is framed: a centred crop (the fields above), or detection + landmarks +
/// alignment to a recogniser's template (<see cref="FacePreparer"/>); recorded in cascade files.</param>
public sealed record FacePreprocessing(int Size = 112, double CropFraction = 0.48, int? CropPixels = null, ColorMode Color = ColorMode.Rgb,
    FaceAlignmentTemplate Alignment = FaceAlignmentTemplate.CentredCrop)
{
    /// <summary>LFW deep-funneled: centred 120/250 crop (fraction 0.48), RGB.</summary>
    /// <param name="size">Model input side S.</param>
    public static FacePreprocessing Lfw(int size = 112) => new(size, 0.48);

    /// <summary>ORL: the centred square of the shorter side (92x92 of 92x112), replicated to RGB.</summary>
    /// <param name="size">Model input side S.</param>
    public static FacePreprocessing Orl(int size = 112) => new(size, 1.0);

    /// <summary>Checks the ranges.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Size or crop pixels below 1, or a fraction outside (0, 1].</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Size, 1, nameof(Size));
        if (!(CropFraction > 0 && CropFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(CropFraction), CropFraction, "Crop fraction must be in (0, 1].");
        if (CropPixels is < 1) throw new ArgumentOutOfRangeException(nameof(CropPixels), CropPixels, "Crop side must be at least 1 pixel.");
    }

    /// <summary>The crop side for an image of <paramref name="height"/> x <paramref name="width"/> pixels (at least 1).</summary>
    public int CropSide(int height, int width) =>
        CropPixels ?? Math.Max(1, (int)Math.Round(CropFraction * Math.Min(height, width), MidpointRounding.AwayFromZero));

    /// <summary>
    /// The centred crop window of an image of <paramref name="height"/> x <paramref name="width"/> pixels: side
    /// <see cref="CropSide"/>, an odd margin rounded half to even (torchvision's <c>center_crop</c>). Shared by the
    /// TorchSharp (<see cref="FaceCropper"/>) and managed (<see cref="ManagedFacePreprocessing"/>) crops.
    /// </summary>
    /// <param name="height">Image height H.</param>
    /// <param name="width">Image width W.</param>
    /// <param name="source">The image's file (or another name) for the error message.</param>
    /// <returns>Top row, left column and side of the square.</returns>
    /// <exception cref="InvalidDataException">The image is smaller than the crop (message names <paramref name="source"/>).</exception>
    public (int Top, int Left, int Side) CropWindow(int height, int width, string source)
    {
        var side = CropSide(height, width);
        if (side > height || side > width)
            throw new InvalidDataException($"{source}: image of {width}x{height} pixels is smaller than the {side}x{side} face crop.");
        return ((int)Math.Round((height - side) / 2.0, MidpointRounding.ToEven), (int)Math.Round((width - side) / 2.0, MidpointRounding.ToEven), side);
    }

    /// <summary>
    /// The largest image side (pixels, the shorter side) that a model aligning faces takes whole as a face crop
    /// without detection: below it the detectors rarely find even a face that fills the image (the
    /// <c>detection-reach</c> benchmark measures how often, by size). Larger images are detected and aligned, and
    /// "no face found" is an error there.
    /// </summary>
    public const int UndetectableSide = 64;

    /// <summary>
    /// The framing of one image of <paramref name="height"/> x <paramref name="width"/> pixels, decided the same way in
    /// every runtime (<see cref="Recognition.FaceEmbedder"/>, <see cref="Export.OnnxCascade"/>): a crop fraction given for
    /// this image is a centred crop of that fraction; else, when no framing was given for the model
    /// (<paramref name="framingGiven"/> false) and the image is small enough to be a tight face crop already, the whole
    /// centred square; else this framing (which may align faces). "Small enough": a shorter side below <see cref="Size"/>
    /// for a centred-crop framing; at most <see cref="UndetectableSide"/> for a framing that aligns faces, whose
    /// detectors find faces in larger crops (and refuse images without one).
    /// </summary>
    /// <param name="height">Image height H.</param>
    /// <param name="width">Image width W.</param>
    /// <param name="cropFraction">This image's crop fraction, or null.</param>
    /// <param name="framingGiven">Whether the caller overrode the model's framing.</param>
    /// <returns>This record, or a centred-crop variant of it.</returns>
    public FacePreprocessing FramingFor(int height, int width, double? cropFraction, bool framingGiven) =>
        cropFraction is { } f ? CentredCrop(f)
        : !framingGiven && IsTightCrop(Math.Min(height, width)) ? CentredCrop(1.0)
        : this;

    /// <summary>Whether an image whose shorter side is <paramref name="side"/> px is taken whole as a face crop (see <see cref="FramingFor"/>).</summary>
    /// <param name="side">The image's shorter side, pixels.</param>
    public bool IsTightCrop(int side) =>
        Alignment == FaceAlignmentTemplate.CentredCrop ? side < Size : side <= Math.Min(UndetectableSide, Size - 1);

    /// <summary>
    /// This preprocessing with a centred crop of <paramref name="fraction"/> of the shorter image side instead of its
    /// framing (no detection or alignment, no fixed pixel crop): what <c>--crop-fraction</c> means in every command.
    /// </summary>
    /// <param name="fraction">Crop side as a fraction of the shorter image side, in (0, 1].</param>
    /// <returns>The centred-crop variant (size, colour and normalisation unchanged).</returns>
    public FacePreprocessing CentredCrop(double fraction) =>
        this with { CropFraction = fraction, CropPixels = null, Alignment = FaceAlignmentTemplate.CentredCrop };
}
