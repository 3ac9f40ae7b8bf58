using Google.Protobuf;
using Onnx;
using SrFace.Imaging;
using static TorchSharp.torch;

namespace SrFace.Export;

/// <summary>A named value of the graph being built and its rank (4 for <c>[N, C, H, W]</c>, 2 for <c>[N, D]</c>).</summary>
/// <param name="Name">The ONNX value name.</param>
/// <param name="Rank">Number of dimensions.</param>
public readonly record struct OnnxValue(string Name, int Rank);

/// <summary>
/// Builds one ONNX graph (opset <see cref="Opset"/>, float32) from SrFace modules: weights become initializers, layers
/// become nodes through the per-layer mappings of <see cref="OnnxLayerMappings"/> (<see cref="Emit"/>), and the node
/// helpers here (<see cref="Node"/>, <see cref="Resize"/>, <see cref="L2Normalise"/>) cover what models do between layers.
/// Values are named uniquely; every tensor written is float32 in PyTorch's logical NCHW order (channels-last storage
/// and bfloat16 compute of the training blocks do not reach the file).
/// </summary>
public sealed partial class OnnxGraphBuilder
{
    /// <summary>The ONNX opset the graphs use: 18 (Resize with <c>axes</c> and <c>antialias</c>, Split with <c>num_outputs</c>).</summary>
    public const int Opset = 18;

    private readonly GraphProto _graph = new();
    private readonly Dictionary<string, int> _counters = new();

    /// <summary>Creates an empty graph.</summary>
    /// <param name="name">Graph name written to the file.</param>
    /// <param name="mappings">Per-layer mappings to use; null for <see cref="OnnxLayerMappings.Default"/>.</param>
    public OnnxGraphBuilder(string name, OnnxLayerMappings? mappings = null)
    {
        _graph.Name = name;
        Mappings = mappings ?? OnnxLayerMappings.Default;
    }

    /// <summary>The layer mappings <see cref="Emit"/> dispatches to.</summary>
    public OnnxLayerMappings Mappings { get; }

    /// <summary>The graph built so far.</summary>
    public GraphProto Graph => _graph;

    /// <summary>Declares a float32 graph input.</summary>
    /// <param name="name">Input name.</param>
    /// <param name="shape">Dimensions; null entries are symbolic (<paramref name="batchName"/>).</param>
    /// <param name="batchName">Name of the symbolic first dimension (dynamic batch).</param>
    /// <param name="sideName">Name of the other symbolic dimensions (a square image of any side); null for <paramref name="batchName"/>.</param>
    /// <returns>The input value.</returns>
    public OnnxValue Input(string name, long?[] shape, string batchName = "batch", string? sideName = null)
    {
        _graph.Input.Add(ValueInfo(name, shape, batchName, sideName));
        return new OnnxValue(name, shape.Length);
    }

    /// <summary>Declares <paramref name="value"/> as a float32 graph output under <paramref name="name"/> (an Identity node renames it).</summary>
    /// <param name="value">The value to expose.</param>
    /// <param name="name">Output name.</param>
    /// <param name="shape">Dimensions; null entries are symbolic.</param>
    /// <param name="batchName">Name of the symbolic dimension.</param>
    public void Output(OnnxValue value, string name, long?[] shape, string batchName = "batch")
    {
        var node = new NodeProto { OpType = "Identity", Name = Unique("output") };
        node.Input.Add(value.Name);
        node.Output.Add(name);
        _graph.Node.Add(node);
        _graph.Output.Add(ValueInfo(name, shape, batchName));
    }

    /// <summary>Runs the registered mapping of <paramref name="module"/>'s type on <paramref name="input"/>.</summary>
    /// <param name="module">A module whose type (exactly) has a mapping.</param>
    /// <param name="input">The module's input value.</param>
    /// <returns>The module's output value.</returns>
    /// <exception cref="NotSupportedException">When no mapping is registered for the module's type (the message names it).</exception>
    public OnnxValue Emit(TorchSharp.torch.nn.Module module, OnnxValue input)
    {
        ArgumentNullException.ThrowIfNull(module);
        return Mappings.Find(module)(this, module, input);
    }

    /// <summary>Adds a float32 initializer holding <paramref name="tensor"/>'s values (logical order, any dtype/layout).</summary>
    /// <param name="hint">Name prefix (made unique).</param>
    /// <param name="tensor">Any floating tensor; not disposed.</param>
    /// <param name="shape">Shape to write instead of the tensor's (same element count), or null.</param>
    /// <returns>The initializer's name.</returns>
    public string Weight(string hint, Tensor tensor, long[]? shape = null)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var values = tensor.detach().to(float32).contiguous().data<float>().ToArray();
        return Constant(hint, values, shape ?? tensor.shape);
    }

    /// <summary>Adds a float32 initializer.</summary>
    /// <param name="hint">Name prefix (made unique).</param>
    /// <param name="values">Values in row-major order.</param>
    /// <param name="shape">Dimensions (their product is the value count).</param>
    /// <returns>The initializer's name.</returns>
    /// <exception cref="ArgumentException">When the shape does not match the value count.</exception>
    public string Constant(string hint, float[] values, params long[] shape)
    {
        if (shape.Aggregate(1L, (a, b) => a * b) != values.Length)
            throw new ArgumentException($"Shape [{string.Join(", ", shape)}] does not hold {values.Length} values.", nameof(shape));
        var t = new TensorProto { Name = Unique(hint), DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(shape);
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        t.RawData = ByteString.CopyFrom(bytes);
        _graph.Initializer.Add(t);
        return t.Name;
    }

    /// <summary>Adds an int64 initializer (shapes, axes, sizes).</summary>
    /// <param name="hint">Name prefix (made unique).</param>
    /// <param name="values">The values, one dimension.</param>
    /// <returns>The initializer's name.</returns>
    public string Int64s(string hint, params long[] values)
    {
        var t = new TensorProto { Name = Unique(hint), DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        _graph.Initializer.Add(t);
        return t.Name;
    }

    /// <summary>Adds a node with one output.</summary>
    /// <param name="op">ONNX operator type (opset <see cref="Opset"/>).</param>
    /// <param name="inputs">Input value names ("" for an omitted optional input).</param>
    /// <param name="rank">Rank of the output.</param>
    /// <param name="attributes">Attributes: long, float, string, long[] or float[] values.</param>
    /// <returns>The output value.</returns>
    /// <exception cref="ArgumentException">When an attribute value has an unsupported type.</exception>
    public OnnxValue Node(string op, string[] inputs, int rank, params (string Name, object Value)[] attributes) =>
        Nodes(op, inputs, 1, rank, attributes)[0];

    /// <summary>Adds a node with several outputs (e.g. Split).</summary>
    /// <param name="op">ONNX operator type.</param>
    /// <param name="inputs">Input value names.</param>
    /// <param name="outputs">Number of outputs.</param>
    /// <param name="rank">Rank of every output.</param>
    /// <param name="attributes">Attributes as in <see cref="Node"/>.</param>
    /// <returns>The output values, in order.</returns>
    /// <exception cref="ArgumentException">When an attribute value has an unsupported type.</exception>
    public OnnxValue[] Nodes(string op, string[] inputs, int outputs, int rank, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Unique(op) };
        node.Input.AddRange(inputs);
        var result = new OnnxValue[outputs];
        for (var i = 0; i < outputs; i++)
        {
            result[i] = new OnnxValue(Unique(op.ToLowerInvariant()), rank);
            node.Output.Add(result[i].Name);
        }
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        _graph.Node.Add(node);
        return result;
    }

    /// <summary>
    /// Bicubic resize of the last two axes to <paramref name="height"/> x <paramref name="width"/> without
    /// antialiasing, as PyTorch's <c>interpolate(mode: bicubic, align_corners: false)</c>: ONNX Resize, half-pixel
    /// coordinates, a = -0.75, borders replicated (use for enlarging; see <see cref="ResizeAntialiased"/> for shrinking).
    /// </summary>
    /// <param name="x">A rank-4 value <c>[N, C, h, w]</c>.</param>
    /// <param name="height">Output height.</param>
    /// <param name="width">Output width.</param>
    /// <returns><c>[N, C, height, width]</c>.</returns>
    public OnnxValue Resize(OnnxValue x, int height, int width)
    {
        var sizes = Int64s("resize_sizes", height, width);
        return Node("Resize", [x.Name, "", "", sizes], 4,
            ("mode", "cubic"), ("coordinate_transformation_mode", "half_pixel"), ("cubic_coeff_a", -0.75f),
            ("axes", new long[] { 2, 3 }), ("exclude_outside", 0L));
    }

    /// <summary>
    /// PyTorch's antialiased bicubic resize (<c>interpolate(mode: bicubic, align_corners: false, antialias: true)</c>,
    /// PIL's a = -0.5 kernel widened by the shrink factor) as two MatMuls with the exact resize matrices of
    /// <see cref="ManagedFacePreprocessing.AntialiasedResizeMatrix"/>: ONNX Runtime's own antialiased Resize differs
    /// from PyTorch's by about 1e-3.
    /// </summary>
    /// <param name="x">A rank-4 value <c>[N, C, inHeight, inWidth]</c>.</param>
    /// <param name="inHeight">Input height.</param>
    /// <param name="inWidth">Input width.</param>
    /// <param name="height">Output height.</param>
    /// <param name="width">Output width.</param>
    /// <returns><c>[N, C, height, width]</c>.</returns>
    public OnnxValue ResizeAntialiased(OnnxValue x, int inHeight, int inWidth, int height, int width)
    {
        var rows = ManagedFacePreprocessing.AntialiasedResizeMatrix(inWidth, width);      // [width, inWidth]
        var columns = ManagedFacePreprocessing.AntialiasedResizeMatrix(inHeight, height); // [height, inHeight]
        var transposed = new float[inWidth * width];
        for (var i = 0; i < width; i++)
            for (var j = 0; j < inWidth; j++) transposed[j * width + i] = rows[i * inWidth + j];
        var horizontal = Node("MatMul", [x.Name, Constant("aa_rows", transposed, inWidth, width)], 4);         // [N, C, inHeight, width]
        return Node("MatMul", [Constant("aa_columns", columns, height, inHeight), horizontal.Name], 4);        // [N, C, height, width]
    }

    /// <summary>
    /// Bicubic upscaling of the last two axes by an integer factor, as PyTorch's <c>interpolate(size: factor x input,
    /// mode: bicubic, align_corners: false)</c> (a = -0.75, half-pixel coordinates), for any input side.
    /// </summary>
    /// <param name="x">A rank-4 value <c>[N, C, h, w]</c>.</param>
    /// <param name="factor">The factor, at least 1.</param>
    /// <returns><c>[N, C, factor*h, factor*w]</c>.</returns>
    public OnnxValue Upscale(OnnxValue x, int factor)
    {
        var scales = Constant("resize_scales", [factor, factor], 2);
        return Node("Resize", [x.Name, "", scales], 4,
            ("mode", "cubic"), ("coordinate_transformation_mode", "half_pixel"), ("cubic_coeff_a", -0.75f),
            ("axes", new long[] { 2, 3 }), ("exclude_outside", 0L));
    }

    /// <summary>Clamps to [0, 1] (Clip).</summary>
    /// <param name="x">Any value.</param>
    /// <returns>The clamped value.</returns>
    public OnnxValue ClampUnit(OnnxValue x) =>
        Node("Clip", [x.Name, Constant("zero", [0f]), Constant("one", [1f])], x.Rank);

    /// <summary>Row-wise L2 normalisation of <c>[N, D]</c> as PyTorch's <c>normalize(p: 2, dim: 1, eps)</c>: x / max(||x||, eps).</summary>
    /// <param name="x">A rank-2 value.</param>
    /// <param name="eps">Lower bound of the norm.</param>
    /// <returns>The normalised value.</returns>
    public OnnxValue L2Normalise(OnnxValue x, float eps = 1e-12f)
    {
        var norm = Node("ReduceL2", [x.Name, Int64s("axes", 1)], 2, ("keepdims", 1L));
        var bounded = Node("Max", [norm.Name, Constant("eps", [eps])], 2);
        return Node("Div", [x.Name, bounded.Name], 2);
    }

    /// <summary>The model around the graph, ready to write.</summary>
    /// <param name="metadata">Key/value pairs stored as the model's metadata (e.g. threshold, preprocessing).</param>
    /// <returns>An ONNX model (IR version 8, opset <see cref="Opset"/>).</returns>
    public ModelProto ToModel(IReadOnlyDictionary<string, string> metadata)
    {
        var model = new ModelProto
        {
            IrVersion = 8, ProducerName = "SrFace", ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "",
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in metadata) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    /// <summary>A fresh name from <paramref name="hint"/> (hint_0, hint_1, ...).</summary>
    /// <param name="hint">Prefix.</param>
    public string Unique(string hint)
    {
        _counters.TryGetValue(hint, out var n);
        _counters[hint] = n + 1;
        return $"{hint}_{n}";
    }

    private static ValueInfoProto ValueInfo(string name, long?[] shape, string batchName, string? sideName = null)
    {
        var tensorShape = new TensorShapeProto();
        for (var i = 0; i < shape.Length; i++)
            tensorShape.Dim.Add(shape[i] is { } v ? new TensorShapeProto.Types.Dimension { DimValue = v }
                : new TensorShapeProto.Types.Dimension { DimParam = i == 0 ? batchName : sideName ?? batchName });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape } },
        };
    }

    private static AttributeProto Attribute(string name, object value)
    {
        var a = new AttributeProto { Name = name };
        switch (value)
        {
            case long l: a.Type = AttributeProto.Types.AttributeType.Int; a.I = l; break;
            case int i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
            case float f: a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; break;
            case string s: a.Type = AttributeProto.Types.AttributeType.String; a.S = ByteString.CopyFromUtf8(s); break;
            case long[] ls: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ls); break;
            case float[] fs: a.Type = AttributeProto.Types.AttributeType.Floats; a.Floats.AddRange(fs); break;
            default: throw new ArgumentException($"Attribute '{name}' has an unsupported type {value?.GetType().Name ?? "null"}.", nameof(value));
        }
        return a;
    }
}
