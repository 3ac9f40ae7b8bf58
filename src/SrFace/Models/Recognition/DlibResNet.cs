using SrFace.IO.TfJs;
using SrFace.Models.Blocks;
using SrFace.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Models.Recognition;

/// <summary>Options of <see cref="DlibResNet"/>.</summary>
/// <param name="InputSize">Square input side S in pixels: 150 for the pretrained weights (dlib's face chip); at least 104 (below, the last strided stage has no 3 x 3 window).</param>
public sealed record DlibResNetOptions(int InputSize = 150);

/// <summary>
/// dlib's face recognition ResNet (<c>dlib_face_recognition_resnet_model_v1</c>), as ported to TF.js by face-api.js:
/// 29 convolutions, 128-D descriptor, 150 x 150 RGB face chips. Input <c>[N, 3, S, S]</c> float32 in [0, 1], RGB;
/// <c>forward</c> returns L2-normalised embeddings <c>[N, 128]</c>, <see cref="Descriptor"/> the raw descriptor that
/// dlib compares by Euclidean distance (same person below 0.6).
/// </summary>
/// <remarks>
/// <para>D. E. King, "Dlib-ml: A Machine Learning Toolkit", JMLR 10, 2009; the network and its training (about 3 M
/// faces of 7,485 people, pairwise hinge metric loss, LFW 99.38 % with dlib's alignment) are described in the
/// davisking/dlib-models README. ResNet-34-like (He et al., CVPR 2016) with fewer filters. Weights: public domain
/// (dlib), TF.js port MIT (face-api.js, V. Mandic's @vladmandic/face-api 1.7.15).</para>
/// <para>What differs from dlib: nothing in the arithmetic. dlib's batch norms are folded into per-channel affine
/// layers (<c>scale</c>: y = x w + b) after every convolution, as in dlib's inference net and the TF.js port; here they
/// are trainable parameters. Input normalisation as @vladmandic/face-api: (255 x - mean RGB) / 255 with mean RGB
/// (122.782, 117.001, 104.298), i.e. x - mean / 255 (the original face-api.js divided by 256).
/// The downsampling shortcut is a 2 x 2 average pool, zero-padded in channels; when the strided 3 x 3 'valid'
/// convolution gives one row/column fewer than the pool (3 vs 4, 1 vs 2 at S = 150), its output is zero-padded at the
/// bottom and right, as the port does.</para>
/// <code>
/// stage        layer (conv = conv + bias + scale)                              out side (S=150)   channels   key
/// stem         conv7x7 s2 valid - ReLU - maxpool 3x3 s2 valid                    35               32         conv32_down
/// 1            3 x residual (conv3x3 - ReLU - conv3x3, + x, ReLU)                 35               32         conv32_1..3
/// 2            residual-down (conv3x3 s2 valid; shortcut avgpool 2x2) + 3 x res   17               64         conv64_down, conv64_1..3
/// 3            residual-down + 2 x residual                                       8                128        conv128_down, conv128_1..2
/// 4            residual-down + 2 x residual                                       4 (3 + pad)      256        conv256_down, conv256_1..2
/// 5            residual-down                                                      2 (1 + pad)      256        conv256_down_out
/// head         global average pool - matmul 256 x 128 (no bias)                  -                128        fc
/// </code>
/// </remarks>
public sealed class DlibResNet : FaceRecognizer
{
    /// <summary>Mean RGB in 0..255 that the original subtracts (dlib's <c>input_rgb_image</c> defaults).</summary>
    public static readonly float[] MeanRgb255 = [122.782f, 117.001f, 104.298f];

    /// <summary>Descriptor width, 128.</summary>
    public const int DescriptorSize = 128;

    /// <summary>dlib's same-person threshold on the Euclidean distance of raw descriptors.</summary>
    public const double EuclideanThreshold = 0.6;

    private readonly ScaledConv conv32_down;
    private readonly Sequential stages;
    private readonly nn.Module<Tensor, Tensor>[] _blocks;   // the residual blocks of `stages`, in order, for running them in parts
    private readonly PrecisionLinear fc;

    /// <summary>Builds the network with random weights (kernels channels-last); load weights with <see cref="LoadTfJs"/>.</summary>
    /// <param name="options">Input size.</param>
    /// <exception cref="ArgumentOutOfRangeException">When the input size is below 104.</exception>
    public DlibResNet(DlibResNetOptions options) : base(nameof(DlibResNet))
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.InputSize < 104) throw new ArgumentOutOfRangeException(nameof(options), options.InputSize, "DlibResNet needs an input of at least 104 px (its five strided stages; 150 for the pretrained weights).");
        Options = options;
        conv32_down = new ScaledConv(3, 32, 7, stride: 2, padding: 0);
        var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
        void Stage(int inC, int outC, int residuals, bool down, string prefix)
        {
            if (down) blocks.Add(($"{prefix}_down", new ResidualDown(inC, outC)));
            for (var i = 1; i <= residuals; i++) blocks.Add(($"{prefix}_{i}", new Residual(outC)));
        }
        Stage(32, 32, 3, false, "conv32");
        Stage(32, 64, 3, true, "conv64");
        Stage(64, 128, 2, true, "conv128");
        Stage(128, 256, 2, true, "conv256");
        blocks.Add(("conv256_down_out", new ResidualDown(256, 256)));
        stages = nn.Sequential(blocks);
        _blocks = blocks.Select(b => b.Item2).ToArray();
        fc = new PrecisionLinear(256, DescriptorSize, bias: false);
        RegisterComponents();
        this.ToChannelsLast();
    }

    /// <summary>The options this model was built with.</summary>
    public DlibResNetOptions Options { get; }

    /// <inheritdoc/>
    public override int InputSize => Options.InputSize;

    /// <inheritdoc/>
    public override int Channels => 3;

    /// <inheritdoc/>
    public override int EmbeddingSize => DescriptorSize;

    /// <summary>Mean RGB / 255: the net sees x - mean, x in [0, 1].</summary>
    public override float[] Mean => MeanRgb255.Select(m => m / 255f).ToArray();

    /// <summary>1 for each channel (the original divides 0..255 values by 255, i.e. takes [0, 1] values as they are).</summary>
    public override float[] Std => [1f, 1f, 1f];

    /// <summary>Unit-norm embeddings, compared by cosine similarity like every SrFace recogniser.</summary>
    /// <param name="input">Faces <c>[N, 3, S, S]</c>, float32 in [0, 1], RGB; not disposed.</param>
    /// <returns><c>[N, 128]</c>, float32, unit L2 norm.</returns>
    /// <exception cref="ArgumentException">When the input shape is not <c>[N, 3, S, S]</c>.</exception>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return EmbedFrom(PrepareInput(input), 0).MoveToOuterDisposeScope();
    }

    /// <summary>dlib's raw descriptor (not normalised; dlib compares by Euclidean distance, threshold 0.6).</summary>
    /// <param name="input">Faces <c>[N, 3, S, S]</c>, float32 in [0, 1], RGB; not disposed.</param>
    /// <returns><c>[N, 128]</c>, float32.</returns>
    /// <exception cref="ArgumentException">When the input shape is not <c>[N, 3, S, S]</c>.</exception>
    public Tensor Descriptor(Tensor input)
    {
        using var scope = NewDisposeScope();
        return DescriptorFrom(PrepareInput(input), 0).MoveToOuterDisposeScope();
    }

    /// <summary>True: no batch statistics, so the network runs in parts (the joint step's frozen stages).</summary>
    public override bool SplitsAtStages => true;

    /// <summary>The feature map after the first <paramref name="stages"/> of <see cref="ParameterStages"/>: 0 the
    /// normalised input <c>[N, 3, S, S]</c>, 1 after the stem (conv, ReLU, max pool: <c>[N, 32, 35, 35]</c> at S = 150),
    /// 2 after stage 1 (<c>[N, 32, 35, 35]</c>), ... 6 after stage 5 (<c>[N, 256, 2, 2]</c>).</summary>
    /// <param name="input">Faces <c>[N, 3, S, S]</c>, float32 in [0, 1], RGB; not disposed.</param>
    /// <param name="stages">0 to 6 (the head, stage 7, is <see cref="EmbedFrom"/>'s).</param>
    /// <returns>Features, channels-last, in the compute dtype.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="stages"/> is outside [0, 6].</exception>
    public override Tensor FeaturesAfter(Tensor input, int stages)
    {
        if (stages is < 0 or > 6) throw new ArgumentOutOfRangeException(nameof(stages), stages, "DlibResNet runs 0 to 6 of its 7 stages before the head.");
        using var scope = NewDisposeScope();
        return Run(PrepareInput(input), 0, stages).MoveToOuterDisposeScope();
    }

    /// <summary>Unit-norm embeddings <c>[N, 128]</c> from <see cref="FeaturesAfter"/>'s features of the same
    /// <paramref name="stages"/>.</summary>
    /// <param name="features">Features after <paramref name="stages"/> stages; not disposed.</param>
    /// <param name="stages">0 to 6.</param>
    /// <returns><c>[N, 128]</c>, float32, unit L2 norm.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="stages"/> is outside [0, 6].</exception>
    public override Tensor EmbedFrom(Tensor features, int stages)
    {
        using var scope = NewDisposeScope();
        return L2Normalise(DescriptorFrom(features, stages)).MoveToOuterDisposeScope();
    }

    /// <summary>The raw descriptor from features after <paramref name="stages"/> stages (0: the normalised input).</summary>
    private Tensor DescriptorFrom(Tensor features, int stages)
    {
        if (stages is < 0 or > 6) throw new ArgumentOutOfRangeException(nameof(stages), stages, "DlibResNet continues after 0 to 6 of its 7 stages.");
        using var scope = NewDisposeScope();
        var x = Run(features, stages, 6);                                                     // [N, 256, 2, 2]
        var pooled = x.mean([2L, 3L]);                                                        // [N, 256]
        return fc.forward(pooled).to(float32).MoveToOuterDisposeScope();                      // [N, 128]
    }

    /// <summary>Residual blocks of stages 1..5 in <c>stages</c> (the stem is not a block): 3, 4, 3, 3, 1.</summary>
    private static readonly int[] BlocksPerStage = [3, 4, 3, 3, 1];

    /// <summary>Runs stages [from, to) of the first six (stem, stages 1-5) on <paramref name="x"/>, in the caller's scope.</summary>
    private Tensor Run(Tensor x, int from, int to)
    {
        if (from == 0 && to > 0)
        {
            x = conv32_down.forward(x).relu_();                                   // [N, 32, 72, 72] at S = 150
            x = nn.functional.max_pool2d(x, kernel_size: 3, stride: 2);           // [N, 32, 35, 35]
        }
        var first = BlocksPerStage.Take(Math.Max(from - 1, 0)).Sum();
        var last = BlocksPerStage.Take(Math.Max(to - 1, 0)).Sum();
        for (var i = first; i < last; i++) x = _blocks[i].forward(x);
        return x;
    }

    /// <summary>
    /// The TF.js tensor of each parameter: <c>a/b/conv/filters</c> fills <c>a.b.conv.weight</c> (kernel layout
    /// converted), <c>.../bias</c> the bias, <c>.../scale/weights</c> and <c>/biases</c> the affine scale, <c>fc</c>
    /// the head (matmul layout converted).
    /// </summary>
    public IReadOnlyList<TfJsParameterMap> TfJsNames() =>
        state_dict().Keys.Select(key =>
        {
            if (key == "fc.weight") return new TfJsParameterMap("fc", key, TfJsLayout.MatMul);
            var parts = key.Split('.');
            var leaf = (parts[^2], parts[^1]) switch
            {
                ("conv", "weight") => "filters",
                ("conv", "bias") => "bias",
                ("scale", "weight") => "weights",
                ("scale", "bias") => "biases",
                _ => throw new InvalidOperationException($"DlibResNet has an unmapped parameter '{key}'."),
            };
            // Stage blocks live under "stages.<name>"; the TF.js names start at the block name.
            var path = parts[0] == "stages" ? parts[1..^1] : parts[..^1];
            return new TfJsParameterMap(string.Join('/', path) + "/" + leaf, key,
                leaf == "filters" ? TfJsLayout.ConvKernel : TfJsLayout.AsIs);
        }).ToList();

    /// <summary>
    /// Seven stages, as in the table of the class remarks: <c>stem</c> (conv32_down), <c>stage1</c> (conv32_1..3),
    /// <c>stage2</c> (conv64_*), <c>stage3</c> (conv128_*), <c>stage4</c> (conv256_down, conv256_1..2), <c>stage5</c>
    /// (conv256_down_out) and <c>head</c> (fc). <c>--freeze-stages 3</c> freezes the stem, stage 1 and stage 2.
    /// </summary>
    /// <returns>(stage name, its parameters), input side first; every parameter once.</returns>
    public override IReadOnlyList<(string Name, IReadOnlyList<Parameter> Parameters)> ParameterStages()
    {
        var blocks = stages.named_children().ToList();
        IReadOnlyList<Parameter> Of(params string[] prefixes) =>
            blocks.Where(b => prefixes.Any(p => b.name.StartsWith(p, StringComparison.Ordinal) && !(p == "conv256" && b.name == "conv256_down_out")))
                .SelectMany(b => b.module.parameters()).ToList();
        return
        [
            ("stem", conv32_down.parameters().ToList()),
            ("stage1", Of("conv32")),
            ("stage2", Of("conv64")),
            ("stage3", Of("conv128")),
            ("stage4", Of("conv256")),
            ("stage5", blocks.Where(b => b.name == "conv256_down_out").SelectMany(b => b.module.parameters()).ToList()),
            ("head", fc.parameters().ToList()),
        ];
    }

    /// <summary>dlib's per-channel affine layers (its batch norms, folded into y = x w + b at export); there is no
    /// BatchNorm and no running statistic in this network, so freezing normalisation freezes these w and b.</summary>
    /// <returns>The 29 affine layers.</returns>
    public override IReadOnlyList<nn.Module> NormalizationLayers() => modules().Where(m => m is ChannelAffine).ToList();

    /// <summary>Loads face-api's <c>face_recognition_model</c> weights (TF.js weights manifest and shard).</summary>
    /// <param name="manifestPath">The <c>face_recognition_model-weights_manifest.json</c> file.</param>
    /// <exception cref="FileNotFoundException">When a file is missing.</exception>
    /// <exception cref="TfJsFormatException">When the file is damaged or is not this network's.</exception>
    public void LoadTfJs(string manifestPath) =>
        TfJsImport.LoadInto(this, TfJsWeights.LoadManifest(manifestPath), TfJsNames(), manifestPath);

    /// <summary>Convolution with bias followed by dlib's per-channel affine layer (folded batch norm).</summary>
    internal sealed class ScaledConv : nn.Module<Tensor, Tensor>
    {
        private readonly PrecisionConv2d conv;
        private readonly ChannelAffine scale;

        public ScaledConv(int inChannels, int outChannels, int kernel, int stride, int padding) : base(nameof(ScaledConv))
        {
            conv = new PrecisionConv2d(inChannels, outChannels, kernel, stride, padding);
            scale = new ChannelAffine(outChannels);
            RegisterComponents();
        }

        /// <summary>The convolution with the affine folded into its kernel (<see cref="PrecisionConv2d.forward(Tensor, Tensor, Tensor)"/>).</summary>
        public override Tensor forward(Tensor x) => conv.forward(x, scale.Weight, scale.Bias);
    }

    /// <summary>
    /// dlib's <c>affine</c> layer, y = x w + b per channel: its parameters only (state-dict keys <c>scale.weight</c>,
    /// <c>scale.bias</c>; the TF.js import, <c>--freeze-norm</c> and the ONNX export read them). It has no forward pass
    /// of its own: <see cref="ScaledConv"/> folds it into the convolution before it.
    /// </summary>
    internal sealed class ChannelAffine : nn.Module
    {
        private readonly Parameter weight, bias;

        public ChannelAffine(int channels) : base(nameof(ChannelAffine))
        {
            weight = new Parameter(ones(channels));
            bias = new Parameter(zeros(channels));
            RegisterComponents();
        }

        /// <summary>Per-channel scale w <c>[C]</c>.</summary>
        internal Parameter Weight => weight;

        /// <summary>Per-channel shift b <c>[C]</c>.</summary>
        internal Parameter Bias => bias;
    }

    /// <summary>conv3x3 - ReLU - conv3x3, plus the identity, ReLU (face-api <c>residual</c>).</summary>
    internal sealed class Residual : nn.Module<Tensor, Tensor>
    {
        private readonly ScaledConv conv1, conv2;

        public Residual(int channels) : base(nameof(Residual))
        {
            conv1 = new ScaledConv(channels, channels, 3, stride: 1, padding: 1);
            conv2 = new ScaledConv(channels, channels, 3, stride: 1, padding: 1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            // In place: a convolution's backward needs its input, not its output, so the fresh outputs can be overwritten.
            var h = conv2.forward(conv1.forward(x).relu_());
            return h.add_(x).relu_().MoveToOuterDisposeScope();
        }
    }

    /// <summary>
    /// Strided 'valid' conv3x3 - ReLU - conv3x3, plus a 2 x 2 average-pooled shortcut zero-padded to the new channel
    /// count, ReLU (face-api <c>residualDown</c>).
    /// </summary>
    internal sealed class ResidualDown : nn.Module<Tensor, Tensor>
    {
        private readonly ScaledConv conv1, conv2;
        private readonly int extraChannels;

        public ResidualDown(int inChannels, int outChannels) : base(nameof(ResidualDown))
        {
            conv1 = new ScaledConv(inChannels, outChannels, 3, stride: 2, padding: 0);
            conv2 = new ScaledConv(outChannels, outChannels, 3, stride: 1, padding: 1);
            extraChannels = outChannels - inChannels;
            RegisterComponents();
        }

        /// <summary>Zero channels appended to the pooled shortcut (out - in; read by the ONNX export).</summary>
        internal int ExtraChannels => extraChannels;

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var h = conv2.forward(conv1.forward(x).relu_());                              // [N, out, floor((H-3)/2)+1, ...]
            var pooled = nn.functional.avg_pool2d(x, kernel_size: 2, stride: 2);         // [N, in, floor(H/2), ...]
            var (dh, dw) = (pooled.shape[2] - h.shape[2], pooled.shape[3] - h.shape[3]);
            if (dh > 0 || dw > 0) h = nn.functional.pad(h, [0, dw, 0, dh]);             // zeros at the bottom and right
            if (extraChannels > 0) pooled = nn.functional.pad(pooled, [0, 0, 0, 0, 0, extraChannels]);
            return h.add_(pooled.to(h.dtype)).relu_().MoveToOuterDisposeScope();
        }
    }
}
