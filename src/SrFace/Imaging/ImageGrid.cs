using static TorchSharp.torch;

namespace SrFace.Imaging;

/// <summary>
/// Tiles equally sized images into one grid image, row by row (like torchvision's <c>make_grid</c>), for
/// restoration comparisons such as low-resolution | super-resolved | ground truth.
/// </summary>
public static class ImageGrid
{
    /// <summary>Builds the grid.</summary>
    /// <param name="images">One or more <c>[C, H, W]</c> tensors of the same shape, values in [0, 1]; not disposed.</param>
    /// <param name="columns">Images per row, at least 1; rows = ceil(count / columns); empty cells take <paramref name="padValue"/>.</param>
    /// <param name="padding">Pixels of <paramref name="padValue"/> between cells and around the grid, at least 0.</param>
    /// <param name="padValue">Fill value in [0, 1] (1 = white).</param>
    /// <returns><c>[C, rows * (H + p) + p, columns * (W + p) + p]</c>, float32 on the CPU.</returns>
    /// <exception cref="ArgumentException">No images, shapes differ, or an image is not <c>[C, H, W]</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="columns"/> &lt; 1 or <paramref name="padding"/> &lt; 0.</exception>
    public static Tensor Compose(IReadOnlyList<Tensor> images, int columns, int padding = 2, float padValue = 1f)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (images.Count == 0) throw new ArgumentException("The grid needs at least one image.", nameof(images));
        var shape = images[0].shape;
        if (shape.Length != 3) throw new ArgumentException($"Expected [C, H, W] images; got [{string.Join(", ", shape)}].", nameof(images));
        for (var i = 1; i < images.Count; i++)
            if (!images[i].shape.SequenceEqual(shape))
                throw new ArgumentException($"Image {i} is [{string.Join(", ", images[i].shape)}], image 0 is [{string.Join(", ", shape)}]; grid cells must be equal.", nameof(images));

        using var scope = NewDisposeScope();
        var (channels, height, width) = (shape[0], shape[1], shape[2]);
        var rows = (images.Count + columns - 1) / columns;
        var grid = full(channels, rows * (height + padding) + padding, columns * (width + padding) + padding, padValue, dtype: float32);
        for (var i = 0; i < images.Count; i++)
        {
            var (row, column) = (i / columns, i % columns);
            var top = padding + row * (height + padding);
            var left = padding + column * (width + padding);
            grid.narrow(1, top, height).narrow(2, left, width).copy_(images[i].detach().to(CPU).to(float32));
        }
        return grid.MoveToOuterDisposeScope();
    }
}
