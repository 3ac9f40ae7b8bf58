using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using static TorchSharp.torch;

namespace SrFace.Benchmarks.Harness;

/// <summary>
/// The roofline: multiply-adds per face of an exported cascade graph against the convolution throughput measured on the
/// same cores, i.e. the faces/s the machine could reach if every multiply-add ran at that speed.
/// </summary>
internal static class Roofline
{
    private static readonly HashSet<string> Counted = ["Conv", "ConvTranspose", "Gemm", "MatMul"];

    /// <summary>
    /// Multiply-adds of the Conv, ConvTranspose, Gemm and MatMul nodes that compute <paramref name="output"/> from
    /// <paramref name="input"/>, for one item: the graph is pruned to that path, every such node's data input and
    /// output is made a graph output, and ONNX Runtime runs it on one item of shape [1, C, H, W] =
    /// <paramref name="inputShape"/> with a batch of 1; the shapes it returns give the counts (so run-time padding,
    /// pooling and pixel (un)shuffles need no shape rules here). Conv: output elements x C_in / groups x kH x kW;
    /// ConvTranspose: input elements x C_out / groups x kH x kW; Gemm and MatMul: output elements x the inner dimension.
    /// </summary>
    public static double MultiplyAddsPerItem(ModelProto model, string input, string output, long[] inputShape)
    {
        var pruned = SrFace.Export.OnnxGraphPruning.Prune(model, input, output);
        var init = pruned.Graph.Initializer.ToDictionary(t => t.Name, t => t.Dims.ToArray());
        var nodes = pruned.Graph.Node.Where(n => Counted.Contains(n.OpType)).ToList();
        var probed = pruned.Clone();
        var outputs = probed.Graph.Output.Select(o => o.Name).ToHashSet();
        foreach (var name in nodes.SelectMany(n => new[] { n.Input[0], n.Input[1], n.Output[0] }).Distinct())
            if (!init.ContainsKey(name) && name != input && outputs.Add(name))
                probed.Graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
        using var session = new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(probed));
        long[] shape = [1, .. inputShape];
        var pixels = new DenseTensor<float>(Enumerable.Repeat(0.5f, (int)shape.Aggregate(1L, (a, b) => a * b)).ToArray(), shape.Select(d => (int)d).ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, pixels)]);
        var shapes = results.ToDictionary(r => r.Name, r => r.AsTensor<float>().Dimensions.ToArray().Select(d => (long)d).ToArray());
        shapes[input] = shape;
        long[] Of(string name) => shapes.TryGetValue(name, out var v) ? v : init[name];
        static long Count(long[] dims) => dims.Aggregate(1L, (a, b) => a * b);
        double macs = 0;
        foreach (var node in nodes)
        {
            long groups = node.Attribute.FirstOrDefault(a => a.Name == "group")?.I ?? 1;
            macs += node.OpType switch
            {
                "Conv" => (double)Count(Of(node.Output[0])) * Count(init[node.Input[1]][1..]),
                "ConvTranspose" => (double)Count(Of(node.Input[0])) * init[node.Input[1]][1] * Count(init[node.Input[1]][2..]),
                "Gemm" when node.Attribute.FirstOrDefault(a => a.Name == "transA")?.I == 1 => (double)Count(Of(node.Output[0])) * Of(node.Input[0])[0],
                _ => (double)Count(Of(node.Output[0])) * Of(node.Input[0])[^1],
            };
        }
        return macs;
    }

    /// <summary>Multiply-adds of the roofline convolution per image of its batch: 3x3, 64 -> 64 channels, 56 x 56 output
    /// (bench/pytorch/joint_step.py's <c>conv_throughput</c> times the same convolution in PyTorch).</summary>
    public const double ConvolutionMacsPerImage = 64.0 * 56 * 56 * 64 * 9;

    /// <summary>Batch of the roofline convolution.</summary>
    public const int ConvolutionBatch = 32;

    /// <summary>Name of the roofline convolution's case in the reports.</summary>
    public const string ConvolutionCase = "roofline conv 3x3 64->64, 56x56, batch 32";

    /// <summary>Warm-up calls of the roofline convolution before it is timed (oneDNN and MLAS pick and prepare their kernels on the first calls).</summary>
    public const int ConvolutionWarmup = 3;

    /// <summary>Timed calls of the roofline convolution, whatever the profile (one call takes tens of milliseconds).</summary>
    public const int ConvolutionRepetitions = 12;

    /// <summary>Times the roofline convolution (channels-last, no grad) in TorchSharp/oneDNN: <see cref="ConvolutionWarmup"/>
    /// calls, then <see cref="ConvolutionRepetitions"/> timed; items are images of the batch.</summary>
    public static CaseResult ConvolutionThroughput(string suite, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = SrFace.Runtime.ChannelsLast.ToChannelsLast(randn(ConvolutionBatch, 64, 56, 56).to(dtype));
        var w = SrFace.Runtime.ChannelsLast.ToChannelsLast(randn(64, 64, 3, 3).to(dtype));
        var timing = StopwatchRunner.Time(() => nn.functional.conv2d(x, w, padding: [1, 1]), ConvolutionWarmup, ConvolutionRepetitions);
        return new CaseResult(suite, ConvolutionCase, 56, dtype == bfloat16 ? "bf16" : "fp32", ConvolutionBatch, "img", timing);
    }

    /// <summary>
    /// The same convolution in ONNX Runtime (fp32, NCHW in and out, the session options of every SrFace session, so
    /// MLAS's NCHWc kernels), timed like <see cref="ConvolutionThroughput"/>: the ceiling of ONNX Runtime's own
    /// convolutions on these cores, against which an ONNX Runtime row shows what the graph (not the runtime) loses.
    /// </summary>
    public static CaseResult OnnxConvolutionThroughput(string suite)
    {
        var graph = new SrFace.Export.OnnxGraphBuilder("roofline");
        var x = graph.Input("x", [null, 64, 56, 56]);
        using (var w = randn(64, 64, 3, 3))
        {
            var y = graph.Node("Conv", [x.Name, graph.Weight("w", w)], 4, ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
            graph.Output(y, "y", [null, 64, 56, 56]);
        }
        using var options = SrFace.Export.OnnxSessionSettings.Create();
        using var session = new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(graph.ToModel(new Dictionary<string, string>())), options);
        int[] shape = [ConvolutionBatch, 64, 56, 56];
        var pixels = new DenseTensor<float>(Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(i => (i % 17) / 17f).ToArray(), shape);
        NamedOnnxValue[] inputs = [NamedOnnxValue.CreateFromTensor("x", pixels)];
        var timing = StopwatchRunner.Time(() => session.Run(inputs).Dispose(), ConvolutionWarmup, ConvolutionRepetitions);
        return new CaseResult(suite, ConvolutionCase + ", ONNX Runtime", 56, "fp32", ConvolutionBatch, "img", timing);
    }

    /// <summary>
    /// Multiply-adds per second of a convolution case at its fastest repetition: a ceiling is what the cores reach at
    /// their best, and on a shared machine the median of a dozen calls can fall below what whole cascades then reach
    /// (a quick run on 2026-12-06 printed cascades at 105-138 % of a median-based ceiling).
    /// </summary>
    public static double MacsPerSecond(CaseResult convolution) => convolution.ItemsPerRun * ConvolutionMacsPerImage / convolution.Timing.Min;
}
