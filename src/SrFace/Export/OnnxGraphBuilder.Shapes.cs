namespace SrFace.Export;

// Ops whose sizes are known only at run time (the graph records no spatial shapes): padding a face to a multiple of
// a block size, cropping it back, and padding one value to another's side. Shape/Sub/Mod/Concat on int64 [2] sides.
public sealed partial class OnnxGraphBuilder
{
    /// <summary>The spatial side <c>[H, W]</c> of a rank-4 value at run time (ONNX Shape, start 2).</summary>
    /// <param name="x">A rank-4 value <c>[N, C, H, W]</c>.</param>
    /// <returns>An int64 value of two elements.</returns>
    public OnnxValue SpatialShape(OnnxValue x) => Node("Shape", [x.Name], 1, ("start", 2L));

    /// <summary>
    /// Pads the bottom and right of a rank-4 value by run-time amounts, as PyTorch's <c>pad(x, [0, dw, 0, dh], mode)</c>.
    /// </summary>
    /// <param name="x">A rank-4 value <c>[N, C, H, W]</c>.</param>
    /// <param name="amounts">An int64 value <c>[dh, dw]</c>, each at least 0.</param>
    /// <param name="mode">ONNX Pad mode: <c>constant</c> (zeros) or <c>edge</c> (PyTorch's replicate).</param>
    /// <returns><c>[N, C, H + dh, W + dw]</c>.</returns>
    public OnnxValue PadBottomRight(OnnxValue x, OnnxValue amounts, string mode)
    {
        var pads = Node("Concat", [Int64s("pads_begin", 0, 0, 0, 0, 0, 0), amounts.Name], 1, ("axis", 0L)); // begins of N, C, H, W; ends of N, C
        return Node("Pad", [x.Name, pads.Name], 4, ("mode", mode));
    }

    /// <summary>Zero-pads the bottom and right of <paramref name="x"/> to the spatial side of <paramref name="reference"/> (which is not smaller).</summary>
    /// <param name="x">A rank-4 value <c>[N, C, h, w]</c>.</param>
    /// <param name="reference">A rank-4 value <c>[N, C', H, W]</c> with H &gt;= h, W &gt;= w.</param>
    /// <returns><c>[N, C, H, W]</c>.</returns>
    public OnnxValue PadToSideOf(OnnxValue x, OnnxValue reference) =>
        PadBottomRight(x, Node("Sub", [SpatialShape(reference).Name, SpatialShape(x).Name], 1), "constant");

    /// <summary>Replicate-pads the bottom and right of a rank-4 value to the next multiple of <paramref name="block"/> in H and W.</summary>
    /// <param name="x">A rank-4 value <c>[N, C, H, W]</c>.</param>
    /// <param name="block">The block side, at least 1.</param>
    /// <returns><c>[N, C, ceil(H/block) block, ceil(W/block) block]</c>.</returns>
    public OnnxValue PadToMultipleOf(OnnxValue x, int block)
    {
        // (block - side mod block) mod block: 0 when the side is a multiple already.
        var remainder = Node("Mod", [SpatialShape(x).Name, Int64s("block", block)], 1);
        var missing = Node("Sub", [Int64s("block", block), remainder.Name], 1);
        return PadBottomRight(x, Node("Mod", [missing.Name, Int64s("block", block)], 1), "edge");
    }

    /// <summary>Crops a rank-4 value to the spatial side of <paramref name="reference"/> from the top left (ONNX Slice).</summary>
    /// <param name="x">A rank-4 value <c>[N, C, H, W]</c>.</param>
    /// <param name="reference">A rank-4 value <c>[N, C', h, w]</c> with h &lt;= H, w &lt;= W.</param>
    /// <returns><c>[N, C, h, w]</c>.</returns>
    public OnnxValue CropToSideOf(OnnxValue x, OnnxValue reference) =>
        Node("Slice", [x.Name, Int64s("starts", 0, 0), SpatialShape(reference).Name, Int64s("axes", 2, 3)], 4);

    /// <summary>
    /// PyTorch's <c>pixel_unshuffle(x, r)</c>: <c>[N, C, H, W]</c> to <c>[N, C r^2, H/r, W/r]</c> with channel
    /// <c>c r^2 + i r + j</c> holding pixel (i, j) of each r x r block. ONNX SpaceToDepth orders channels
    /// <c>(i r + j) C + c</c> instead, so a Gather on the channel axis reorders them.
    /// </summary>
    /// <param name="x">A rank-4 value whose H and W are multiples of r.</param>
    /// <param name="channels">C.</param>
    /// <param name="r">The block side, at least 2.</param>
    /// <returns><c>[N, C r^2, H/r, W/r]</c>.</returns>
    public OnnxValue PixelUnshuffle(OnnxValue x, int channels, int r)
    {
        var blocks = Node("SpaceToDepth", [x.Name], 4, ("blocksize", (long)r));
        var order = new long[channels * r * r];
        for (var c = 0; c < channels; c++)
            for (var k = 0; k < r * r; k++) order[c * r * r + k] = k * channels + c;
        return Node("Gather", [blocks.Name, Int64s("unshuffle_order", order)], 4, ("axis", 1L));
    }

    /// <summary>PyTorch's <c>pixel_shuffle(x, r)</c>: ONNX DepthToSpace in CRD mode (<c>[N, C r^2, H, W]</c> to <c>[N, C, H r, W r]</c>).</summary>
    /// <param name="x">A rank-4 value.</param>
    /// <param name="r">The block side, at least 2.</param>
    /// <returns><c>[N, C, H r, W r]</c>.</returns>
    public OnnxValue PixelShuffle(OnnxValue x, int r) => Node("DepthToSpace", [x.Name], 4, ("blocksize", (long)r), ("mode", "CRD"));
}
