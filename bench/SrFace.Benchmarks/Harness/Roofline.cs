using System.Diagnostics;
using Onnx;
using static TorchSharp.torch;

namespace SrFace.Benchmarks.Harness;

/// <summary>
/// The inference roofline: multiply-adds per face of an exported cascade graph (counted from its Conv, ConvTranspose,
/// Gemm and MatMul nodes with the shapes walked through the graph) against the convolution throughput measured on the
/// same cores, i.e. the faces/s the machine could reach if every multiply-add ran at that speed.
/// </summary>
internal static class Roofline
{
    /// <summary>Multiply-adds to compute <paramref name="output"/> for one item of the batch of <paramref name="input"/> [C, H, W].</summary>
    public static double MultiplyAddsPerItem(ModelProto model, string input, string output, long[] inputShape)
    {
        var pruned = SrFace.Export.OnnxGraphPruning.Prune(model, input, output);
        var init = pruned.Graph.Initializer.ToDictionary(t => t.Name, t => t.Dims.ToArray());
        // Per value: its shape without the batch axis and how many batch items it holds per input item.
        var shapes = new Dictionary<string, (long[] Shape, double Items)> { [input] = (inputShape, 1) };
        double macs = 0;
        long[] Of(string name) => shapes.TryGetValue(name, out var v) ? v.Shape : init[name][1..];
        foreach (var node in pruned.Graph.Node)
        {
            var first = node.Input.FirstOrDefault(shapes.ContainsKey) ?? node.Input[0];
            var (shape, items) = shapes.TryGetValue(first, out var known) ? known : (Of(first), 1.0);
            long Attr(string name, long fallback) => node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? fallback;
            long[] Ints(string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray() ?? [];
            long[] result = shape;
            switch (node.OpType)
            {
                case "Conv":
                {
                    var w = init[node.Input[1]];
                    var (k, s, p) = (w[2], Ints("strides")[0], Ints("pads")[0]);
                    var side = (shape[1] + 2 * p - k) / s + 1;
                    result = [w[0], side, (shape[2] + 2 * p - k) / s + 1];
                    macs += items * w[0] * result[1] * result[2] * w[1] * k * k;
                    break;
                }
                case "ConvTranspose":
                {
                    var w = init[node.Input[1]];
                    var (k, s, p, op) = (w[2], Ints("strides")[0], Ints("pads")[0], Ints("output_padding")[0]);
                    result = [w[1], (shape[1] - 1) * s - 2 * p + k + op, (shape[2] - 1) * s - 2 * p + k + op];
                    macs += items * w[0] * shape[1] * shape[2] * w[1] * k * k;
                    break;
                }
                case "Gemm":
                {
                    var w = init[node.Input[1]];
                    result = [w[0]];
                    macs += items * w[0] * w[1];
                    break;
                }
                case "MatMul":
                {
                    if (init.TryGetValue(node.Input[1], out var right)) // x [.., h, w] @ [w, w']
                    {
                        result = [.. shape[..^1], right[1]];
                        macs += items * shape[..^1].Aggregate(1L, (a, b) => a * b) * right[0] * right[1];
                    }
                    else // [h', h] @ x [.., h, w]
                    {
                        var left = init[node.Input[0]];
                        var x = shapes[node.Input[1]];
                        (shape, items) = x;
                        result = [.. shape[..^2], left[0], shape[^1]];
                        macs += items * shape[..^2].Aggregate(1L, (a, b) => a * b) * left[0] * left[1] * shape[^1];
                    }
                    break;
                }
                case "Resize":
                    if (node.Input.Count > 3 && node.Input[3].Length > 0)
                    {
                        var sizes = pruned.Graph.Initializer.First(t => t.Name == node.Input[3]).Int64Data;
                        result = [shape[0], sizes[0], sizes[1]];
                    }
                    else
                    {
                        var scales = pruned.Graph.Initializer.First(t => t.Name == node.Input[2]);
                        var f = BitConverter.ToSingle(scales.RawData.Span[..4]);
                        result = [shape[0], (long)(shape[1] * f), (long)(shape[2] * f)];
                    }
                    break;
                case "Flatten": result = [shape.Aggregate(1L, (a, b) => a * b)]; break;
                case "Concat" when Attr("axis", 0) == 0: items *= 2; break;
                case "Concat": result = [shape[0] * 2]; break;
                case "Split": items /= 2; break;
            }
            foreach (var o in node.Output) shapes[o] = (result, items);
        }
        return macs;
    }

    /// <summary>Measured throughput of a large 3x3 convolution (64 -> 64 channels, 32 x 56 x 56, channels-last, no grad) in multiply-adds per second.</summary>
    public static double ConvolutionMacsPerSecond(ScalarType dtype, int repetitions = 5)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = SrFace.Runtime.ChannelsLast.ToChannelsLast(randn(32, 64, 56, 56).to(dtype));
        var w = SrFace.Runtime.ChannelsLast.ToChannelsLast(randn(64, 64, 3, 3).to(dtype));
        nn.functional.conv2d(x, w, padding: [1, 1]).Dispose(); // oneDNN picks and caches its kernel
        var times = new double[repetitions];
        for (var i = 0; i < repetitions; i++)
        {
            var watch = Stopwatch.StartNew();
            nn.functional.conv2d(x, w, padding: [1, 1]).Dispose();
            times[i] = watch.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return 32.0 * 64 * 56 * 56 * 64 * 9 / times[repetitions / 2];
    }
}
