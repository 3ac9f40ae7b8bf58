namespace SrFace.IO.TfJs;

/// <summary>A decoded TF.js weight: its name, its shape as stored, and its values as float32, row-major.</summary>
/// <param name="Name">Tensor name from the manifest.</param>
/// <param name="Shape">Shape as stored (TF layout).</param>
/// <param name="Values">Dequantised values; int32 tensors are converted exactly (|v| &lt; 2^24).</param>
public sealed record TfJsTensor(string Name, IReadOnlyList<long> Shape, float[] Values)
{
    /// <summary>Number of elements, the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
