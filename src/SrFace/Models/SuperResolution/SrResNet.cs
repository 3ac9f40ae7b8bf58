using SrFace.Models.Blocks;
using SrFace.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Models.SuperResolution;

/// <summary>Options of <see cref="SrResNet"/> (the SRGAN generator).</summary>
/// <param name="Scale">Upscaling factor: 2, 4, 8 (log2(scale) x2 pixel-shuffle stages) or 3 (one x3 stage).</param>
/// <param name="Channels">Image channels C (3 RGB, 1 grey).</param>
/// <param name="B">Number of residual blocks B (paper: 16; 4-8 is practical on a CPU).</param>
/// <param name="Width">Feature channels (paper: 64; 32 for CPU runs).</param>
/// <param name="ResidualToBicubic">Add the bicubic upsampling of the input to the output (global residual; see <see cref="SuperResolutionModel.ResidualToBicubic"/>); the last convolution then starts at a tenth of its default scale. False is the paper.</param>
public sealed record SrResNetOptions(int Scale, int Channels = 3, int B = 16, int Width = 64, bool ResidualToBicubic = true);

/// <summary>
/// SRResNet, the generator of SRGAN: a residual trunk at LR resolution followed by sub-pixel (pixel-shuffle)
/// upsampling. Maps LR <c>[N, C, h, w]</c> (float32, [0, 1]) to <c>[N, C, s*h, s*w]</c> (float32, unclamped).
/// </summary>
/// <remarks>
/// <para>Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial Network",
/// CVPR 2017 (generator of Fig. 4). The discriminator is <see cref="SrganDiscriminator"/>.</para>
/// <para>Differences from the paper: no ImageNet-pretrained VGG19 is available here, so SRGAN's perceptual
/// (VGG content) loss is replaced by an identity content loss on the face recogniser's own features; that loss is
/// computed by the trainer, not by this module. The output layer is linear (no tanh) and targets [0, 1]. Scale 3 uses
/// one x3 pixel-shuffle stage; the paper only did x4. Weights use PyTorch's default init.</para>
/// <code>
/// layer                      kernel  channels         key
/// conv + PReLU               9x9     C -> w           conv1, prelu
/// B x [conv-BN-PReLU-conv-BN + skip]   w -> w         trunk.i.{conv1,bn1,prelu,conv2,bn2}
/// conv-BN + long skip        3x3     w -> w           conv2, bn2
/// per stage: conv, shuffle r, PReLU  w -> w r^2 -> w  upsampling.j.{conv,prelu}
/// conv                       9x9     w -> C           conv3
/// </code>
/// </remarks>
public sealed class SrResNet : SuperResolutionModel
{
    private readonly PrecisionConv2d conv1, conv2, conv3;
    private readonly PrecisionPReLU prelu;
    private readonly Sequential trunk, upsampling;
    private readonly BatchNorm2d bn2;

    /// <summary>Builds the generator (kernels channels-last, see <see cref="SuperResolutionModel"/>).</summary>
    /// <param name="options">Scale, channels, B and width.</param>
    /// <exception cref="ArgumentOutOfRangeException">When the scale is not 2, 3, 4 or 8, or a size is not positive.</exception>
    public SrResNet(SrResNetOptions options) : base(nameof(SrResNet))
    {
        ArgumentNullException.ThrowIfNull(options);
        SrOptionChecks.Scale(options.Scale);
        if (options.Channels <= 0 || options.B <= 0 || options.Width <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"SRResNet needs positive C, B and width; got {options}.");
        Options = options;
        ResidualToBicubic = options.ResidualToBicubic;
        int w = options.Width;
        conv1 = new PrecisionConv2d(options.Channels, w, 9, padding: 4);
        prelu = new PrecisionPReLU(w);
        trunk = nn.Sequential(Enumerable.Range(0, options.B).Select(_ => (nn.Module<Tensor, Tensor>)new ResidualBlock(w)).ToArray());
        conv2 = new PrecisionConv2d(w, w, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(w);
        var factors = options.Scale == 3 ? [3] : Enumerable.Repeat(2, (int)Math.Log2(options.Scale)).ToArray();
        upsampling = nn.Sequential(factors.Select(r => (nn.Module<Tensor, Tensor>)new UpsampleBlock(w, r)).ToArray());
        conv3 = new PrecisionConv2d(w, options.Channels, 9, padding: 4);
        RegisterComponents();
        if (ResidualToBicubic) ParameterInit.Shrink(conv3.weight, conv3.bias, 0.1);
        this.ToChannelsLast();
    }

    /// <summary>The options this model was built with.</summary>
    public SrResNetOptions Options { get; }

    /// <inheritdoc/>
    public override int Scale => Options.Scale;

    /// <inheritdoc/>
    public override int Channels => Options.Channels;

    /// <summary>Restores an LR batch.</summary>
    /// <param name="input">LR images <c>[N, C, h, w]</c>, float32 in [0, 1]; not disposed.</param>
    /// <returns>Restored images <c>[N, C, s*h, s*w]</c>, float32 (not clamped).</returns>
    /// <exception cref="ArgumentException">When the input is not <c>[N, C, h, w]</c> float.</exception>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = PrepareInput(input);
        var head = prelu.forward(conv1.forward(x));
        var body = BatchNormFolding.ConvThenBatchNorm(conv2, bn2, trunk.forward(head)).add(head);
        // [N, w, h, w] -> [N, w, s*h, s*w]
        var up = upsampling.forward(body);
        return AddBicubicSkip(x, conv3.forward(up).to(float32)).MoveToOuterDisposeScope();
    }

    /// <summary>conv3x3-BN-PReLU-conv3x3-BN with an identity skip (keys conv1, bn1, prelu, conv2, bn2).</summary>
    private sealed class ResidualBlock : nn.Module<Tensor, Tensor>
    {
        private readonly PrecisionConv2d conv1, conv2;
        private readonly BatchNorm2d bn1, bn2;
        private readonly PrecisionPReLU prelu;

        public ResidualBlock(int width) : base(nameof(ResidualBlock))
        {
            conv1 = new PrecisionConv2d(width, width, 3, padding: 1, bias: false);
            bn1 = nn.BatchNorm2d(width);
            prelu = new PrecisionPReLU(width);
            conv2 = new PrecisionConv2d(width, width, 3, padding: 1, bias: false);
            bn2 = nn.BatchNorm2d(width);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var h = prelu.forward(BatchNormFolding.ConvThenBatchNorm(conv1, bn1, x));
            return BatchNormFolding.ConvThenBatchNorm(conv2, bn2, h).add(x).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Sub-pixel convolution stage: conv3x3 to w r^2 channels, pixel shuffle by r, PReLU (keys conv, prelu).</summary>
    private sealed class UpsampleBlock : nn.Module<Tensor, Tensor>
    {
        private readonly PrecisionConv2d conv;
        private readonly PrecisionPReLU prelu;
        private readonly int _factor;

        public UpsampleBlock(int width, int factor) : base(nameof(UpsampleBlock))
        {
            _factor = factor;
            conv = new PrecisionConv2d(width, width * factor * factor, 3, padding: 1);
            prelu = new PrecisionPReLU(width);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            // [N, w r^2, h, w] -> [N, w, r h, r w]
            var shuffled = nn.functional.pixel_shuffle(conv.forward(x), _factor);
            return prelu.forward(shuffled).MoveToOuterDisposeScope();
        }
    }
}
