using SrFace.Models.Blocks;
using SrFace.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Models.Recognition;

/// <summary>Options of <see cref="FaceResNet"/>.</summary>
/// <param name="Depth">18, 34, 50 or 100 (insightface's depth table).</param>
/// <param name="Width">Base width w; stages have w, 2w, 4w, 8w channels (insightface: 64; 16-32 on a CPU).</param>
/// <param name="EmbeddingSize">Embedding width D (insightface: 512; SrFace default 128).</param>
/// <param name="InputSize">Square input side S in pixels (64, 112, 150, ...; at least 16).</param>
/// <param name="Channels">Input channels C (3 RGB, 1 grey).</param>
/// <param name="Dropout">Dropout probability before the FC layer (insightface: 0).</param>
public sealed record FaceResNetOptions(int Depth = 18, int Width = 64, int EmbeddingSize = 128, int InputSize = 112, int Channels = 3, double Dropout = 0);

/// <summary>
/// Face ResNet with improved residual (IR) blocks and the "E" embedding head, i.e. insightface's <c>IResNet</c>
/// (renamed: a leading I is for interfaces in C#). Input <c>[N, C, S, S]</c> float32 in [0, 1] (normalised inside
/// by (x - 0.5) / 0.5); output L2-normalised embeddings <c>[N, D]</c>, float32.
/// </summary>
/// <remarks>
/// <para>Deng, Guo, Xue, Zafeiriou, "ArcFace: Additive Angular Margin Loss for Deep Face Recognition", CVPR 2019
/// (the IR block and "E" output of its Fig. 7); Han, Kim, Kim, "Deep Pyramidal Residual Networks", CVPR 2017
/// (BN-conv-BN-PReLU-conv-BN block); He et al., "Deep Residual Learning", CVPR 2016 (depth table).</para>
/// <para>Differences from insightface: configurable width, embedding size and input size (the FC input is
/// 8w x ceil(S/16)^2 instead of 512 x 7 x 7 for S = 112); the output is L2-normalised here; insightface's fp16
/// autocast is replaced by <see cref="FaceRecognizer.Precision"/>. Init as insightface: convolutions N(0, 0.1^2),
/// BN weight 1, bias 0; the last BN1d's weight is fixed at 1 (not trained).</para>
/// <code>
/// stage    layer                                 out side   channels   key
/// stem     conv3x3 s1 - BN - PReLU               S          w          conv1, bn1, prelu
/// 1..4     n_i x IR block, first has stride 2    S/2..S/16  w..8w      layer1..layer4 (.j.bn1, conv1, bn2, prelu, conv2, bn3, downsample)
/// head     BN2d - flatten - dropout - FC - BN1d  -          D          bn2, dropout, fc, features
/// depth 18: [2,2,2,2]   34: [3,4,6,3]   50: [3,4,14,3]   100: [3,13,30,3]
/// </code>
/// </remarks>
public sealed class FaceResNet : FaceRecognizer
{
    /// <summary>Blocks per stage for each supported depth (insightface <c>iresnet.py</c>).</summary>
    public static readonly IReadOnlyDictionary<int, int[]> DepthTable = new Dictionary<int, int[]>
    {
        [18] = [2, 2, 2, 2], [34] = [3, 4, 6, 3], [50] = [3, 4, 14, 3], [100] = [3, 13, 30, 3],
    };

    private const double BnEps = 1e-5;
    private readonly PrecisionConv2d conv1;
    private readonly BatchNorm2d bn1, bn2;
    private readonly PrecisionPReLU prelu;
    private readonly Sequential layer1, layer2, layer3, layer4;
    private readonly Dropout dropout;
    private readonly PrecisionLinear fc;
    private readonly BatchNorm1d features;

    /// <summary>Builds the network (kernels channels-last, see <see cref="FaceRecognizer"/>).</summary>
    /// <param name="options">Depth, width, embedding size, input size, channels, dropout.</param>
    /// <exception cref="ArgumentOutOfRangeException">When the depth is not in <see cref="DepthTable"/> or a size is out of range.</exception>
    public FaceResNet(FaceResNetOptions options) : base(nameof(FaceResNet))
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!DepthTable.TryGetValue(options.Depth, out var depths))
            throw new ArgumentOutOfRangeException(nameof(options), $"FaceResNet depth must be one of {string.Join(", ", DepthTable.Keys)}; got {options.Depth}.");
        if (options.Width <= 0 || options.EmbeddingSize <= 0 || options.Channels <= 0 || options.InputSize < 16 || options.Dropout is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"FaceResNet needs positive width, D, C, input size >= 16 and dropout in [0, 1); got {options}.");
        Options = options;
        int w = options.Width;
        conv1 = new PrecisionConv2d(options.Channels, w, 3, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(w, eps: BnEps);
        prelu = new PrecisionPReLU(w);
        layer1 = MakeStage(w, w, depths[0]);
        layer2 = MakeStage(w, 2 * w, depths[1]);
        layer3 = MakeStage(2 * w, 4 * w, depths[2]);
        layer4 = MakeStage(4 * w, 8 * w, depths[3]);
        bn2 = nn.BatchNorm2d(8 * w, eps: BnEps);
        dropout = nn.Dropout(options.Dropout);
        int side = options.InputSize;
        for (int i = 0; i < 4; i++) side = (side - 1) / 2 + 1; // conv3x3, stride 2, padding 1
        fc = new PrecisionLinear(8 * w * side * side, options.EmbeddingSize);
        features = nn.BatchNorm1d(options.EmbeddingSize, eps: BnEps);
        RegisterComponents();

        foreach (var module in modules())
        {
            if (module is PrecisionConv2d conv) ParameterInit.Gaussian(conv.weight, conv.bias, 0.1);
        }
        using (no_grad()) features.weight!.fill_(1.0);
        features.weight!.requires_grad = false;
        this.ToChannelsLast();
    }

    /// <summary>The options this model was built with.</summary>
    public FaceResNetOptions Options { get; }

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
        var x = PrepareInput(input);
        x = prelu.forward(BatchNormFolding.ConvThenBatchNorm(conv1, bn1, x));
        // [N, w, S, S] -> [N, 8w, S/16, S/16]
        x = layer4.forward(layer3.forward(layer2.forward(layer1.forward(x))));
        var flat = dropout.forward(bn2.forward(x).flatten(1));
        return L2Normalise(features.forward(fc.forward(flat))).MoveToOuterDisposeScope();
    }

    private static Sequential MakeStage(int inChannels, int outChannels, int blocks) =>
        nn.Sequential(Enumerable.Range(0, blocks)
            .Select(i => (nn.Module<Tensor, Tensor>)(i == 0 ? new IRBlock(inChannels, outChannels, 2) : new IRBlock(outChannels, outChannels, 1)))
            .ToArray());

    /// <summary>Improved residual block: BN-conv3x3-BN-PReLU-conv3x3(stride)-BN plus a (projected) shortcut (internal for the ONNX mapping).</summary>
    internal sealed class IRBlock : nn.Module<Tensor, Tensor>
    {
        private readonly BatchNorm2d bn1, bn2, bn3;
        private readonly PrecisionConv2d conv1, conv2;
        private readonly PrecisionPReLU prelu;
        private readonly Sequential? downsample;
        private readonly (PrecisionConv2d Conv, BatchNorm2d Bn)? _shortcut;   // downsample's two layers, typed (not registered twice)

        public IRBlock(int inChannels, int outChannels, int stride) : base(nameof(IRBlock))
        {
            bn1 = nn.BatchNorm2d(inChannels, eps: BnEps);
            conv1 = new PrecisionConv2d(inChannels, outChannels, 3, padding: 1, bias: false);
            bn2 = nn.BatchNorm2d(outChannels, eps: BnEps);
            prelu = new PrecisionPReLU(outChannels);
            conv2 = new PrecisionConv2d(outChannels, outChannels, 3, stride, padding: 1, bias: false);
            bn3 = nn.BatchNorm2d(outChannels, eps: BnEps);
            if (stride != 1 || inChannels != outChannels)
            {
                _shortcut = (new PrecisionConv2d(inChannels, outChannels, 1, stride, bias: false), nn.BatchNorm2d(outChannels, eps: BnEps));
                downsample = nn.Sequential(_shortcut.Value.Conv, _shortcut.Value.Bn);
            }
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            // bn1 comes before conv1 and its zero padding, so only the batch norms after a convolution fold into it.
            var h = prelu.forward(BatchNormFolding.ConvThenBatchNorm(conv1, bn2, bn1.forward(x)));
            h = BatchNormFolding.ConvThenBatchNorm(conv2, bn3, h);
            var shortcut = _shortcut is var (conv, bn) ? BatchNormFolding.ConvThenBatchNorm(conv, bn, x) : x;
            return h.add(shortcut).MoveToOuterDisposeScope();
        }
    }
}
