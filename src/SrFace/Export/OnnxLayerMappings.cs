using SrFace.Models.Blocks;
using SrFace.Models.Recognition;
using SrFace.Models.SuperResolution;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Export;

/// <summary>Writes one module's forward pass into a graph: input value in, output value out.</summary>
/// <param name="graph">The graph being built (weights, nodes, and <see cref="OnnxGraphBuilder.Emit"/> for children).</param>
/// <param name="module">The module, of the type the mapping was registered for.</param>
/// <param name="input">The module's input value.</param>
/// <returns>The module's output value.</returns>
public delegate OnnxValue OnnxLayerMapping(OnnxGraphBuilder graph, nn.Module module, OnnxValue input);

/// <summary>
/// The ONNX mapping of each module type SrFace exports, one entry per type (a plain table, like
/// <see cref="Models.ModelCatalog"/>): the layer set (precision-aware convolution, transposed convolution, linear,
/// PReLU; BatchNorm 1d/2d; ReLU; dropout; Sequential) and the models built from it (FSRCNN, SRCNN, FaceResNet and its
/// IR block, MobileFaceNet and its blocks; dlib's ResNet and its blocks, the VDSR-like restorer with FFDNet's pixel
/// unshuffle; face-api's tiny face detector, SSD MobileNet v1 and 68-landmark net). A network written in these layers
/// needs one more entry: a mapping that emits its children in the order its <c>forward</c> runs them
/// (see <see cref="FaceResNetMapping"/>).
/// </summary>
public sealed partial class OnnxLayerMappings
{
    private readonly Dictionary<Type, OnnxLayerMapping> _table = new();

    /// <summary>The built-in table (do not mutate it; start from <see cref="CreateDefault"/> to add entries).</summary>
    public static OnnxLayerMappings Default { get; } = CreateDefault();

    /// <summary>A new table with every built-in mapping.</summary>
    /// <returns>A table that may be extended with <see cref="Register{TModule}"/>.</returns>
    public static OnnxLayerMappings CreateDefault()
    {
        var m = new OnnxLayerMappings();
        m.Register<PrecisionConv2d>(Conv2d);
        m.Register<PrecisionConvTranspose2d>(ConvTranspose2d);
        m.Register<PrecisionLinear>(Linear);
        m.Register<PrecisionPReLU>(PReLU);
        m.Register<BatchNorm2d>((g, bn, x) => BatchNorm(g, bn.running_mean!, bn.running_var!, bn.weight, bn.bias, bn.eps, x));
        m.Register<BatchNorm1d>((g, bn, x) => BatchNorm(g, bn.running_mean!, bn.running_var!, bn.weight, bn.bias, bn.eps, x));
        m.Register<ReLU>((g, _, x) => g.Node("Relu", [x.Name], x.Rank));
        m.Register<Dropout>((_, _, x) => x); // identity at inference
        m.Register<Sequential>((g, seq, x) => seq.children().Aggregate(x, (v, child) => g.Emit(child, v)));
        m.Register<Fsrcnn>(FsrcnnMapping);
        m.Register<Srcnn>(SrcnnMapping);
        m.Register<FaceResNet>(FaceResNetMapping);
        m.Register<FaceResNet.IRBlock>(IRBlockMapping);
        m.Register<MobileFaceNet>(MobileFaceNetMapping);
        m.Register<MobileFaceNet.ConvBlock>(ConvBlockMapping);
        m.Register<MobileFaceNet.DepthWise>(DepthWiseMapping);
        m.Register<MobileFaceNet.Residual>((g, block, x) => g.Emit(Child(block, "model"), x));
        m.RegisterPretrainedNetworks();
        m.RegisterFaceDetectionNetworks();
        return m;
    }

    /// <summary>Adds or replaces the mapping of modules of exactly type <typeparamref name="TModule"/>.</summary>
    /// <typeparam name="TModule">The module type.</typeparam>
    /// <param name="mapping">Writes the module's forward pass.</param>
    public void Register<TModule>(Func<OnnxGraphBuilder, TModule, OnnxValue, OnnxValue> mapping) where TModule : nn.Module
    {
        ArgumentNullException.ThrowIfNull(mapping);
        _table[typeof(TModule)] = (g, module, x) => mapping(g, (TModule)module, x);
    }

    /// <summary>Whether a module of this type can be exported.</summary>
    /// <param name="module">Any module.</param>
    public bool CanExport(nn.Module module) => _table.ContainsKey(module.GetType());

    /// <summary>The mapping of <paramref name="module"/>'s exact type.</summary>
    /// <param name="module">Any module.</param>
    /// <returns>The mapping.</returns>
    /// <exception cref="NotSupportedException">When the type has no mapping.</exception>
    public OnnxLayerMapping Find(nn.Module module) =>
        _table.TryGetValue(module.GetType(), out var mapping) ? mapping
            : throw new NotSupportedException($"No ONNX mapping for {module.GetType().Name}; exportable: {string.Join(", ", _table.Keys.Select(t => t.Name).Order())}. A program using the library can add one with OnnxLayerMappings.Register.");

    /// <summary>A named child of a module (the field name, as in the state dict).</summary>
    /// <param name="module">The parent.</param>
    /// <param name="name">The child's name.</param>
    /// <returns>The child module.</returns>
    /// <exception cref="InvalidOperationException">When there is no such child.</exception>
    public static nn.Module Child(nn.Module module, string name) =>
        module.named_children().FirstOrDefault(c => c.name == name).module
        ?? throw new InvalidOperationException($"{module.GetType().Name} has no child '{name}'.");

    private static OnnxValue Conv2d(OnnxGraphBuilder g, PrecisionConv2d conv, OnnxValue x)
    {
        var k = conv.weight.shape[2];
        var inputs = new List<string> { x.Name, g.Weight("conv_w", conv.weight) };
        if (conv.bias is not null) inputs.Add(g.Weight("conv_b", conv.bias));
        long s = conv.Stride, p = conv.Padding;
        return g.Node("Conv", [.. inputs], 4, ("kernel_shape", new[] { k, k }), ("strides", new[] { s, s }),
            ("pads", new[] { p, p, p, p }), ("group", (long)conv.Groups), ("dilations", new long[] { 1, 1 }));
    }

    private static OnnxValue ConvTranspose2d(OnnxGraphBuilder g, PrecisionConvTranspose2d deconv, OnnxValue x)
    {
        var k = deconv.weight.shape[2];
        long s = deconv.Stride, p = deconv.Padding, op = deconv.OutputPadding;
        return g.Node("ConvTranspose", [x.Name, g.Weight("deconv_w", deconv.weight), g.Weight("deconv_b", deconv.bias)], 4,
            ("kernel_shape", new[] { k, k }), ("strides", new[] { s, s }), ("pads", new[] { p, p, p, p }),
            ("output_padding", new[] { op, op }), ("dilations", new long[] { 1, 1 }), ("group", 1L));
    }

    private static OnnxValue Linear(OnnxGraphBuilder g, PrecisionLinear linear, OnnxValue x)
    {
        var inputs = new List<string> { x.Name, g.Weight("fc_w", linear.weight) };
        if (linear.bias is not null) inputs.Add(g.Weight("fc_b", linear.bias));
        return g.Node("Gemm", [.. inputs], 2, ("transB", 1L));
    }

    private static OnnxValue PReLU(OnnxGraphBuilder g, PrecisionPReLU prelu, OnnxValue x)
    {
        // The slope broadcasts from the right: [C, 1, 1] against [N, C, H, W], [C] against [N, C].
        var c = prelu.weight.shape[0];
        var shape = x.Rank == 4 ? new[] { c, 1L, 1L } : new[] { c };
        return g.Node("PRelu", [x.Name, g.Weight("prelu_slope", prelu.weight, shape)], x.Rank);
    }

    /// <summary>Inference BatchNorm folded into y = x * scale + shift (per channel; rank 2 or 4).</summary>
    private static OnnxValue BatchNorm(OnnxGraphBuilder g, Tensor mean, Tensor variance, Tensor? weight, Tensor? bias, double eps, OnnxValue x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var m = mean.to(float64);
        var scale = (weight is null ? ones_like(m) : weight.to(float64)) / (variance.to(float64) + eps).sqrt();
        var shift = (bias is null ? zeros_like(m) : bias.to(float64)) - m * scale;
        var c = mean.shape[0];
        var shape = x.Rank == 4 ? new[] { c, 1L, 1L } : new[] { c };
        var scaled = g.Node("Mul", [x.Name, g.Weight("bn_scale", scale, shape)], x.Rank);
        return g.Node("Add", [scaled.Name, g.Weight("bn_shift", shift, shape)], x.Rank);
    }

    /// <summary>FSRCNN: first_part, mid_part, last_part (deconvolution), plus the bicubic skip when residual.</summary>
    private static OnnxValue FsrcnnMapping(OnnxGraphBuilder g, Fsrcnn model, OnnxValue x)
    {
        var h = g.Emit(Child(model, "mid_part"), g.Emit(Child(model, "first_part"), x));
        var y = g.Emit(Child(model, "last_part"), h);
        return model.ResidualToBicubic ? AddBicubicSkip(g, model, x, y) : y;
    }

    /// <summary>SRCNN: bicubic pre-upsampling by the scale, conv-ReLU-conv-ReLU-conv (+ the upsampled input when residual).</summary>
    private static OnnxValue SrcnnMapping(OnnxGraphBuilder g, Srcnn model, OnnxValue x)
    {
        var up = g.Upscale(x, model.Scale);
        var h = g.Node("Relu", [g.Emit(Child(model, "conv1"), up).Name], 4);
        h = g.Node("Relu", [g.Emit(Child(model, "conv2"), h).Name], 4);
        var y = g.Emit(Child(model, "conv3"), h);
        return model.ResidualToBicubic ? g.Node("Add", [y.Name, up.Name], 4) : y;
    }

    private static OnnxValue AddBicubicSkip(OnnxGraphBuilder g, SuperResolutionModel model, OnnxValue lr, OnnxValue y)
    {
        var bicubic = g.Upscale(lr, model.Scale);
        return g.Node("Add", [y.Name, bicubic.Name], 4);
    }

    /// <summary>FaceResNet (IResNet): normalise, stem, four stages, BN2d - flatten - FC - BN1d, L2 normalisation.</summary>
    private static OnnxValue FaceResNetMapping(OnnxGraphBuilder g, FaceResNet model, OnnxValue x)
    {
        var normalised = Normalise(g, model, x);
        var h = g.Emit(Child(model, "prelu"), g.Emit(Child(model, "bn1"), g.Emit(Child(model, "conv1"), normalised)));
        foreach (var stage in new[] { "layer1", "layer2", "layer3", "layer4" }) h = g.Emit(Child(model, stage), h);
        h = g.Emit(Child(model, "bn2"), h);
        var flat = g.Node("Flatten", [h.Name], 2, ("axis", 1L)); // NCHW order, as torch's flatten(1)
        var e = g.Emit(Child(model, "features"), g.Emit(Child(model, "fc"), g.Emit(Child(model, "dropout"), flat)));
        return g.L2Normalise(e);
    }

    private static OnnxValue IRBlockMapping(OnnxGraphBuilder g, FaceResNet.IRBlock block, OnnxValue x)
    {
        var h = g.Emit(Child(block, "bn1"), x);
        h = g.Emit(Child(block, "prelu"), g.Emit(Child(block, "bn2"), g.Emit(Child(block, "conv1"), h)));
        h = g.Emit(Child(block, "bn3"), g.Emit(Child(block, "conv2"), h));
        var downsample = block.named_children().FirstOrDefault(c => c.name == "downsample").module;
        var shortcut = downsample is null ? x : g.Emit(downsample, x);
        return g.Node("Add", [h.Name, shortcut.Name], 4);
    }

    /// <summary>MobileFaceNet's forward: the ten stages in order, flatten, the linear layer and its BN1d, L2 normalisation.</summary>
    private static OnnxValue MobileFaceNetMapping(OnnxGraphBuilder g, MobileFaceNet model, OnnxValue x)
    {
        var h = Normalise(g, model, x);
        foreach (var stage in new[] { "conv1", "conv2_dw", "conv_23", "conv_3", "conv_34", "conv_4", "conv_45", "conv_5", "conv_6_sep", "conv_6_dw" })
            h = g.Emit(Child(model, stage), h);
        var flat = g.Node("Flatten", [h.Name], 2, ("axis", 1L));
        return g.L2Normalise(g.Emit(Child(model, "bn"), g.Emit(Child(model, "linear"), flat)));
    }

    /// <summary>conv - BN - PReLU (the PReLU absent in a "linear" block).</summary>
    private static OnnxValue ConvBlockMapping(OnnxGraphBuilder g, MobileFaceNet.ConvBlock block, OnnxValue x)
    {
        var h = g.Emit(Child(block, "bn"), g.Emit(Child(block, "conv"), x));
        var prelu = block.named_children().FirstOrDefault(c => c.name == "prelu").module;
        return prelu is null ? h : g.Emit(prelu, h);
    }

    /// <summary>expand - depthwise - project, plus the input when the block is residual.</summary>
    private static OnnxValue DepthWiseMapping(OnnxGraphBuilder g, MobileFaceNet.DepthWise block, OnnxValue x)
    {
        var h = g.Emit(Child(block, "project"), g.Emit(Child(block, "conv_dw"), g.Emit(Child(block, "conv"), x)));
        return block.AddsInput ? g.Node("Add", [h.Name, x.Name], 4) : h;
    }

    /// <summary>(x - mean) / std per channel with the recogniser's <see cref="FaceRecognizer.Mean"/> and <see cref="FaceRecognizer.Std"/>.</summary>
    /// <param name="g">The graph.</param>
    /// <param name="recognizer">The recogniser.</param>
    /// <param name="x">Faces <c>[N, C, S, S]</c> in [0, 1].</param>
    /// <returns>The normalised faces.</returns>
    public static OnnxValue Normalise(OnnxGraphBuilder g, FaceRecognizer recognizer, OnnxValue x)
    {
        var c = recognizer.Channels;
        var centred = g.Node("Sub", [x.Name, g.Constant("mean", recognizer.Mean, 1, c, 1, 1)], 4);
        return g.Node("Div", [centred.Name, g.Constant("std", recognizer.Std, 1, c, 1, 1)], 4);
    }
}
