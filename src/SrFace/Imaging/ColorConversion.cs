using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Imaging;

/// <summary>
/// Channel conversions between grey and RGB images, on the channel axis <c>-3</c>, so they take
/// <c>[C, H, W]</c> and <c>[N, C, H, W]</c> alike. Values stay in [0, 1]; no gamma handling.
/// </summary>
public static class ColorConversion
{
    /// <summary>ITU-R BT.601 luma weights for R, G, B (they sum to 1, so white stays 1).</summary>
    public static readonly float[] Bt601Luma = [0.299f, 0.587f, 0.114f];

    /// <summary>Converts to the channel layout asked for.</summary>
    /// <param name="image"><c>[..., C, H, W]</c> with C = 1 (grey) or 3 (RGB).</param>
    /// <param name="mode">Target layout; <see cref="ColorMode.Source"/> returns the image unchanged.</param>
    /// <returns>A new tensor (or <paramref name="image"/> itself when nothing changes) with 1 or 3 channels.</returns>
    /// <exception cref="ArgumentException">The channel count is neither 1 nor 3.</exception>
    public static Tensor Convert(Tensor image, ColorMode mode) => mode switch
    {
        ColorMode.Rgb => ToRgb(image),
        ColorMode.Grey => ToGrey(image),
        ColorMode.Source => CheckChannels(image),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown colour mode."),
    };

    /// <summary>Replicates a grey channel three times; an RGB image is returned as is.</summary>
    /// <param name="image"><c>[..., 1 or 3, H, W]</c>.</param>
    /// <returns><c>[..., 3, H, W]</c>.</returns>
    /// <exception cref="ArgumentException">The channel count is neither 1 nor 3.</exception>
    public static Tensor ToRgb(Tensor image) =>
        CheckChannels(image).size(-3) == 3 ? image : image.expand(ChannelShape(image, 3)).contiguous();

    /// <summary>Converts RGB to BT.601 luma <c>Y = 0.299 R + 0.587 G + 0.114 B</c>; a grey image is returned as is.</summary>
    /// <param name="image"><c>[..., 1 or 3, H, W]</c>.</param>
    /// <returns><c>[..., 1, H, W]</c>.</returns>
    /// <exception cref="ArgumentException">The channel count is neither 1 nor 3.</exception>
    public static Tensor ToGrey(Tensor image)
    {
        if (CheckChannels(image).size(-3) == 1) return image;
        using var scope = NewDisposeScope();
        var weights = tensor(Bt601Luma, dtype: image.dtype, device: image.device).view(3, 1, 1);
        return (image * weights).sum(-3, keepdim: true).MoveToOuterDisposeScope();
    }

    private static Tensor CheckChannels(Tensor image)
    {
        if (image.dim() < 3 || (image.size(-3) != 1 && image.size(-3) != 3))
            throw new ArgumentException($"Expected an image [..., 1 or 3, H, W]; got [{string.Join(", ", image.shape)}].", nameof(image));
        return image;
    }

    private static long[] ChannelShape(Tensor image, long channels)
    {
        var shape = (long[])image.shape.Clone();
        shape[^3] = channels;
        return shape;
    }
}
