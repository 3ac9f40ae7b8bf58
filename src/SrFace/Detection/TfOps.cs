using static TorchSharp.torch;

namespace SrFace.Detection;

/// <summary>
/// The TensorFlow / TF.js operations face-api's pre-processing and networks rely on, reproduced on NCHW tensors:
/// zero padding to a square, the legacy bilinear resize, 'same' padding and 'same' max pooling.
/// </summary>
internal static class TfOps
{
    /// <summary>
    /// face-api's <c>padToSquare</c>: zero-pads the shorter side of <c>[N, C, H, W]</c> to <c>max(H, W)</c>. Not
    /// centred: all padding at the bottom or right. Centred: <c>round(d / 2)</c> at the bottom/right and the rest
    /// (<c>d - round(d / 2)</c>) at the top/left, d = |H - W| (JS <c>Math.round</c>, halves up).
    /// </summary>
    /// <returns>The padded tensor and the padding added before (top or left) on the padded axis.</returns>
    public static (Tensor Padded, int Before) PadToSquare(Tensor x, bool centre)
    {
        var (h, w) = ((int)x.shape[2], (int)x.shape[3]);
        if (h == w) return (x.alias(), 0);
        var diff = Math.Abs(h - w);
        var after = centre ? (int)Math.Floor(diff * 0.5 + 0.5) : diff;
        var before = diff - after;
        long[] pad = h > w ? [before, after, 0, 0] : [0, 0, before, after];
        return (nn.functional.pad(x, pad), before);
    }

    /// <summary>
    /// <c>tf.image.resizeBilinear(x, [outH, outW], alignCorners = false, halfPixelCenters = false)</c>: source
    /// coordinate <c>dst * (in / out)</c> without the half-pixel offset, neighbours floor and min(floor + 1, in - 1),
    /// linear weights. Same behaviour when enlarging and shrinking (no anti-aliasing).
    /// </summary>
    public static Tensor ResizeBilinearLegacy(Tensor x, int outH, int outW) =>
        PadBottomRightAndResize(x, (int)x.shape[2], (int)x.shape[3], outH, outW);

    /// <summary>
    /// The same as zero-padding <c>[N, C, H, W]</c> at the bottom/right to <paramref name="paddedH"/> x
    /// <paramref name="paddedW"/> and then <see cref="ResizeBilinearLegacy"/>, without building the padded tensor:
    /// samples that fall into the padding read 0.
    /// </summary>
    public static Tensor PadBottomRightAndResize(Tensor x, int paddedH, int paddedW, int outH, int outW)
    {
        using var scope = NewDisposeScope();
        var rows = Lerp(x, 2, paddedH, outH);
        return Lerp(rows, 3, paddedW, outW).MoveToOuterDisposeScope();
    }

    private static Tensor Lerp(Tensor x, int dim, int inSize, int outSize)
    {
        var actual = (int)x.shape[dim];
        if (inSize == outSize && actual == inSize) return x.alias();
        var (lo, hi, wLo, wHi) = LegacyBilinearTaps(inSize, 0, actual, outSize);
        using var loIdx = tensor(lo.Select(i => (long)i).ToArray());
        using var hiIdx = tensor(hi.Select(i => (long)i).ToArray());
        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[dim] = outSize;
        using var weightLo = tensor(wLo).view(shape).to(x.dtype);
        using var weightHi = tensor(wHi).view(shape).to(x.dtype);
        using var a = x.index_select(dim, loIdx);
        using var b = x.index_select(dim, hiIdx);
        using var wa = a.mul(weightLo);
        using var wb = b.mul(weightHi);
        return wa.add(wb);
    }

    /// <summary>
    /// The two taps of <see cref="ResizeBilinearLegacy"/> along one axis of a zero-padded extent, shared by the
    /// TorchSharp resize and the managed one (<see cref="ManagedNetInput"/>): output i reads source
    /// <c>src = i (in / out)</c> (float32), neighbours floor(src) and min(floor(src) + 1, in - 1) with weights
    /// 1 - frac and frac. Padded cells (before <paramref name="before"/> or at/after before + actual) read 0: weight 0, index 0.
    /// </summary>
    /// <param name="inSize">Side of the padded extent.</param>
    /// <param name="before">Padding before the real cells.</param>
    /// <param name="actual">Number of real cells.</param>
    /// <param name="outSize">Output side.</param>
    /// <returns>Indices into the real cells and their weights, per output index.</returns>
    public static (int[] Lo, int[] Hi, float[] WLo, float[] WHi) LegacyBilinearTaps(int inSize, int before, int actual, int outSize)
    {
        var scale = (float)inSize / outSize;
        var lo = new int[outSize];
        var hi = new int[outSize];
        var wLo = new float[outSize];
        var wHi = new float[outSize];
        for (var i = 0; i < outSize; i++)
        {
            var src = i * scale;
            var f = (int)Math.Floor(src);
            var (l, h) = (Math.Min(f, inSize - 1) - before, Math.Min(f + 1, inSize - 1) - before);
            var frac = src - f;
            (lo[i], wLo[i]) = l >= 0 && l < actual ? (l, 1 - frac) : (0, 0);
            (hi[i], wHi[i]) = h >= 0 && h < actual ? (h, frac) : (0, 0);
        }
        return (lo, hi, wLo, wHi);
    }

    /// <summary>TF 'same' padding of one axis: total <c>max((ceil(in / s) - 1) s + k - in, 0)</c>, the smaller half before.</summary>
    public static (long Before, long After) SamePadding(long input, int kernel, int stride)
    {
        var output = (input + stride - 1) / stride;
        var total = Math.Max((output - 1) * stride + kernel - input, 0);
        return (total / 2, total - total / 2);
    }

    /// <summary>Zero-pads <c>[N, C, H, W]</c> as TF's 'same' convolution does for a k x k kernel at this stride.</summary>
    public static Tensor PadSame(Tensor x, int kernel, int stride)
    {
        var (t, b) = SamePadding(x.shape[2], kernel, stride);
        var (l, r) = SamePadding(x.shape[3], kernel, stride);
        return t == 0 && b == 0 && l == 0 && r == 0 ? x.alias() : nn.functional.pad(x, [l, r, t, b]);
    }

    /// <summary>
    /// TF's <c>maxPool(x, [2, 2], [s, s], 'same')</c> for s = 1 or 2: padded cells are ignored, so the window at the
    /// bottom/right edge takes the maximum of the pixels it covers.
    /// </summary>
    public static Tensor MaxPool2Same(Tensor x, int stride)
    {
        if (stride == 2) return nn.functional.max_pool2d(x, [2, 2], [2, 2], [0, 0], [1, 1], ceil_mode: true);
        if (stride != 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, "Only strides 1 and 2 are used.");
        using var scope = NewDisposeScope();
        // out[i] = max(x[i], x[i + 1]); the last row/column only sees itself (the 'same' padding is ignored).
        Tensor Shifted(Tensor t, int dim)
        {
            var n = t.shape[dim];
            if (n == 1) return t.alias();
            return cat([t.narrow(dim, 1, n - 1), t.narrow(dim, n - 1, 1)], dim);
        }
        var cols = maximum(x, Shifted(x, 3));
        return maximum(cols, Shifted(cols, 2)).MoveToOuterDisposeScope();
    }

    /// <summary>Leaky ReLU with slope 0.1 (face-api's <c>leaky</c>: relu(x - 0.1 x) + 0.1 x), as max(x, 0.1 x).</summary>
    public static Tensor Leaky(Tensor x)
    {
        using var slope = tensor(0.1f, dtype: x.dtype);
        using var scaled = x.mul(slope);
        return maximum(x, scaled);
    }

    /// <summary>TF's <c>clipByValue(x, 0, 6)</c> (ReLU6).</summary>
    public static Tensor Relu6(Tensor x) => nn.functional.relu6(x);

    /// <summary>
    /// face-api's non-maximum suppression for the tiny detector (<c>ops/nonMaxSuppression</c>): repeatedly keep the
    /// highest-scoring remaining box and drop the remaining boxes whose IoU with it exceeds the threshold.
    /// </summary>
    /// <returns>Indices kept, highest score first.</returns>
    public static List<int> NonMaxSuppression(IReadOnlyList<FaceBox> boxes, IReadOnlyList<double> scores, double iouThreshold)
    {
        var remaining = Enumerable.Range(0, boxes.Count).OrderByDescending(i => scores[i]).ToList();
        var keep = new List<int>();
        while (remaining.Count > 0)
        {
            var current = remaining[0];
            keep.Add(current);
            remaining = remaining.Skip(1).Where(i => boxes[current].IoU(boxes[i]) <= iouThreshold).ToList();
        }
        return keep;
    }
}
