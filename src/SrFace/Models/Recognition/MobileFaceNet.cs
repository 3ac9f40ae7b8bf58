using SrFace.Models.Blocks;
using SrFace.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Models.Recognition;

/// <summary>Options of <see cref="MobileFaceNet"/>.</summary>
/// <param name="EmbeddingSize">Embedding width D (paper: 128).</param>
/// <param name="InputSize">Square input side S in pixels (paper: 112; 64 works; at least 16).</param>
/// <param name="Channels">Input channels C (3 RGB, 1 grey).</param>
/// <param name="Width">Base width w: the paper's 64 / 128 / 512 channels become w / 2w / 8w (paper: 64).</param>
public sealed record MobileFaceNetOptions(int EmbeddingSize = 128, int InputSize = 112, int Channels = 3, int Width = 64);

/// <summary>
/// MobileFaceNet: a light face backbone of MobileNetV2 inverted-residual bottlenecks (depthwise separable
/// convolutions) with a global depthwise convolution (GDC) head. Input <c>[N, C, S, S]</c> float32 in [0, 1]
/// (normalised inside by (x - 0.5) / 0.5); output L2-normalised embeddings <c>[N, D]</c>, float32.
/// </summary>
/// <remarks>
/// <para>Chen, Liu, Gao, Han, "MobileFaceNets: Efficient CNNs for Accurate Real-Time Face Verification on Mobile
/// Devices", CCBR 2018 (Table 1); Sandler et al., "MobileNetV2", CVPR 2018 (bottleneck).</para>
/// <para>Differences from the paper: width is configurable; the GDC kernel equals the final feature side
/// ceil(S/16) so the network works at 64 px (4 x 4) as well as 112 px (7 x 7); PyTorch default init. State-dict
/// keys follow the widely used PyTorch port (InsightFace_Pytorch <c>model.py</c>).</para>
/// <code>
/// layer                       t  c     n  s   key
/// conv3x3                     -  w     1  2   conv1
/// depthwise conv3x3           -  w     1  1   conv2_dw
/// bottleneck                  2  w     5  2   conv_23, conv_3 (4 blocks)
/// bottleneck                  4  2w    1  2   conv_34
/// bottleneck                  2  2w    6  1   conv_4
/// bottleneck                  4  2w    1  2   conv_45
/// bottleneck                  2  2w    2  1   conv_5
/// conv1x1                     -  8w    1  1   conv_6_sep
/// linear GDC (S/16 x S/16)    -  8w    1  -   conv_6_dw
/// linear (FC) + BN1d          -  D     1  -   linear, bn
/// </code>
/// </remarks>
public sealed class MobileFaceNet : FaceRecognizer
{
    private readonly ConvBlock conv1, conv2_dw, conv_6_sep, conv_6_dw;
    private readonly DepthWise conv_23, conv_34, conv_45;
    private readonly Residual conv_3, conv_4, conv_5;
    private readonly PrecisionLinear linear;
    private readonly BatchNorm1d bn;

    /// <summary>Builds the network (kernels channels-last, see <see cref="FaceRecognizer"/>).</summary>
    /// <param name="options">Embedding size, input size, channels, width.</param>
    /// <exception cref="ArgumentOutOfRangeException">When a size is out of range.</exception>
    public MobileFaceNet(MobileFaceNetOptions options) : base(nameof(MobileFaceNet))
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Width <= 0 || options.EmbeddingSize <= 0 || options.Channels <= 0 || options.InputSize < 16)
            throw new ArgumentOutOfRangeException(nameof(options), $"MobileFaceNet needs positive width, D, C and input size >= 16; got {options}.");
        Options = options;
        int w = options.Width;
        int side = options.InputSize;
        for (int i = 0; i < 4; i++) side = (side - 1) / 2 + 1; // four stride-2 3x3 convolutions, padding 1
        conv1 = new ConvBlock(options.Channels, w, 3, 2, 1);
        conv2_dw = new ConvBlock(w, w, 3, 1, 1, groups: w);
        conv_23 = new DepthWise(w, w, 2, 2 * w, residual: false);
        conv_3 = new Residual(w, 4, 2 * w);
        conv_34 = new DepthWise(w, 2 * w, 2, 4 * w, residual: false);
        conv_4 = new Residual(2 * w, 6, 4 * w);
        conv_45 = new DepthWise(2 * w, 2 * w, 2, 8 * w, residual: false);
        conv_5 = new Residual(2 * w, 2, 4 * w);
        conv_6_sep = new ConvBlock(2 * w, 8 * w, 1, 1, 0);
        conv_6_dw = new ConvBlock(8 * w, 8 * w, side, 1, 0, groups: 8 * w, activation: false);
        linear = new PrecisionLinear(8 * w, options.EmbeddingSize, bias: false);
        bn = nn.BatchNorm1d(options.EmbeddingSize);
        RegisterComponents();
        this.ToChannelsLast();
    }

    /// <summary>The options this model was built with.</summary>
    public MobileFaceNetOptions Options { get; }

    /// <inheritdoc/>
    public override int InputSize => Options.InputSize;

    /// <inheritdoc/>
    public override int Channels => Options.Channels;

    /// <inheritdoc/>
    public override int EmbeddingSize => Options.EmbeddingSize;

    /// <summary>Embeds a batch of aligned face crops.</summary>
    /// <param name="input">Faces <c>[N, C, S, S]</c>, float32 in [0, 1]; not disposed.</param>
    /// <returns>Embeddings <c>[N, D]</c>, float32, unit L2 norm.</returns>
    /// <exception cref="ArgumentException">When the input shape is not <c>[N, C, S, S]</c>.</exception>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = conv2_dw.forward(conv1.forward(PrepareInput(input)));          // [N, w, S/2, S/2]
        x = conv_3.forward(conv_23.forward(x));                                // [N, w, S/4, S/4]
        x = conv_4.forward(conv_34.forward(x));                                // [N, 2w, S/8, S/8]
        x = conv_5.forward(conv_45.forward(x));                                // [N, 2w, S/16, S/16]
        x = conv_6_dw.forward(conv_6_sep.forward(x));                          // [N, 8w, 1, 1]
        return L2Normalise(bn.forward(linear.forward(x.flatten(1)))).MoveToOuterDisposeScope();
    }

    /// <summary>conv (no bias) - BN - optional PReLU (keys conv, bn, prelu); without PReLU it is the paper's "linear" conv (internal for the ONNX mapping).</summary>
    internal sealed class ConvBlock : nn.Module<Tensor, Tensor>
    {
        private readonly PrecisionConv2d conv;
        private readonly BatchNorm2d bn;
        private readonly PrecisionPReLU? prelu;

        public ConvBlock(int inChannels, int outChannels, int kernel, int stride, int padding, int groups = 1, bool activation = true)
            : base(nameof(ConvBlock))
        {
            conv = new PrecisionConv2d(inChannels, outChannels, kernel, stride, padding, groups, bias: false);
            bn = nn.BatchNorm2d(outChannels);
            if (activation) prelu = new PrecisionPReLU(outChannels);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var h = BatchNormFolding.ConvThenBatchNorm(conv, bn, x);
            return (prelu is null ? h : prelu.forward(h)).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Inverted-residual bottleneck: 1x1 expand to g - depthwise 3x3 (stride) - linear 1x1 project (keys conv, conv_dw, project; internal for the ONNX mapping).</summary>
    internal sealed class DepthWise : nn.Module<Tensor, Tensor>
    {
        private readonly ConvBlock conv, conv_dw, project;
        private readonly bool _residual;

        public DepthWise(int inChannels, int outChannels, int stride, int expanded, bool residual) : base(nameof(DepthWise))
        {
            _residual = residual;
            conv = new ConvBlock(inChannels, expanded, 1, 1, 0);
            conv_dw = new ConvBlock(expanded, expanded, 3, stride, 1, groups: expanded);
            project = new ConvBlock(expanded, outChannels, 1, 1, 0, activation: false);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var h = project.forward(conv_dw.forward(conv.forward(x)));
            return (_residual ? h.add(x) : h).MoveToOuterDisposeScope();
        }

        /// <summary>Whether the block adds its input to its output (stride 1, same width).</summary>
        public bool AddsInput => _residual;
    }

    /// <summary>n stride-1 bottlenecks with identity skips (key model.i; internal for the ONNX mapping).</summary>
    internal sealed class Residual : nn.Module<Tensor, Tensor>
    {
        private readonly Sequential model;

        public Residual(int channels, int blocks, int expanded) : base(nameof(Residual))
        {
            model = nn.Sequential(Enumerable.Range(0, blocks)
                .Select(_ => (nn.Module<Tensor, Tensor>)new DepthWise(channels, channels, 1, expanded, residual: true)).ToArray());
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => model.forward(x);
    }
}
