using TorchSharp;
using static TorchSharp.torch;
using SrFace.Runtime;

namespace SrFace.Data;

/// <summary>Centred square crop and bicubic antialiased resize of one face image (see <see cref="FacePreprocessing"/>).</summary>
public static class FaceCropper
{
    /// <summary>Crops the centre of <paramref name="image"/> and resizes it to the model input size.</summary>
    /// <param name="image"><c>[C, H, W]</c> float in [0, 1]; not modified or disposed.</param>
    /// <param name="options">Crop and size.</param>
    /// <param name="source">The image's file (or another name) for error messages.</param>
    /// <returns><c>[C, S, S]</c> float32 in [0, 1], S = <see cref="FacePreprocessing.Size"/>.</returns>
    /// <exception cref="ArgumentException">The tensor is not <c>[C, H, W]</c>.</exception>
    /// <exception cref="InvalidDataException">The image is smaller than the crop (message names <paramref name="source"/>).</exception>
    public static Tensor CropAndResize(Tensor image, FacePreprocessing options, string source)
    {
        options.Validate();
        if (image.dim() != 3) throw new ArgumentException($"{source}: expected an image [C, H, W], got [{string.Join(", ", image.shape)}].", nameof(image));
        // Centred window; an odd margin is rounded half to even, as torchvision's center_crop does.
        var (top, left, side) = options.CropWindow((int)image.size(1), (int)image.size(2), source);

        using var scope = NewDisposeScope();
        var crop = image.narrow(1, top, side).narrow(2, left, side).to(float32).unsqueeze(0); // [1, C, side, side]
        var resized = side == options.Size
            ? crop.clone()
            : nn.functional.interpolate(crop, size: [options.Size, options.Size], mode: InterpolationMode.Bicubic,
                align_corners: false, antialias: true);                                       // [1, C, S, S]
        // Bicubic overshoots at edges; clamp back into the image range.
        return SafeScalars.Clamp_(resized.squeeze(0)).MoveToOuterDisposeScope();
    }
}
