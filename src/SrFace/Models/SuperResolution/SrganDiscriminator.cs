using SrFace.Models.Blocks;
using SrFace.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SrFace.Models.SuperResolution;

/// <summary>Options of <see cref="SrganDiscriminator"/>.</summary>
/// <param name="Channels">Image channels C.</param>
/// <param name="Width">Channels of the first block (paper: 64; doubled every second block up to 8 x width = 512).</param>
/// <param name="DenseWidth">Width of the hidden dense layer (paper: 1024).</param>
/// <param name="PoolSize">Side the last feature map is adaptively average-pooled to before the dense layers.</param>
public sealed record SrganDiscriminatorOptions(int Channels = 3, int Width = 64, int DenseWidth = 1024, int PoolSize = 4);

/// <summary>
/// The SRGAN discriminator: classifies an HR-sized image <c>[N, C, H, W]</c> (float32, [0, 1], H, W &gt;= 16) as real
/// or restored, returning one raw logit per image <c>[N, 1]</c> (float32; apply a sigmoid for a probability).
/// </summary>
/// <remarks>
/// <para>Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial Network",
/// CVPR 2017, Fig. 4 (bottom). Losses: <see cref="Losses.SrganAdversarialLoss"/>.</para>
/// <para>Differences from the paper: an adaptive average pool to PoolSize x PoolSize before the dense layers, so one
/// network works at 64 and 112 px (the paper's 96 px crops gave a fixed 6 x 6 map); no final sigmoid (the loss
/// uses BCE-with-logits, which is numerically safer); width is configurable. No pretrained VGG is available, so
/// SRGAN's perceptual loss is an identity content loss on the recogniser's features, computed by the trainer.</para>
/// <code>
/// layer                       stride  channels    key
/// conv3x3 + LReLU(0.2)        1       C -> w      features.0, features.1
/// 7 x conv3x3-BN-LReLU        2,1,2,1,2,1,2   w, 2w, 2w, 4w, 4w, 8w, 8w   features.2 .. features.22
/// adaptive avg pool P x P                         -
/// dense + LReLU(0.2)                  8w P^2 -> 1024   classifier.0, classifier.1
/// dense                               1024 -> 1        classifier.2
/// </code>
/// </remarks>
public sealed class SrganDiscriminator : nn.Module<Tensor, Tensor>, IPrecisionAware
{
    private readonly Sequential features, classifier;
    private ComputePrecision _precision = ComputePrecision.Float32;

    /// <summary>Builds the discriminator (kernels channels-last; <c>forward</c> converts its input).</summary>
    /// <param name="options">Channels, width, dense width and pool size.</param>
    /// <exception cref="ArgumentOutOfRangeException">When a size is not positive.</exception>
    public SrganDiscriminator(SrganDiscriminatorOptions options) : base(nameof(SrganDiscriminator))
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Channels <= 0 || options.Width <= 0 || options.DenseWidth <= 0 || options.PoolSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"SRGAN discriminator needs positive sizes; got {options}.");
        Options = options;
        int w = options.Width;
        var layers = new List<nn.Module<Tensor, Tensor>> { new PrecisionConv2d(options.Channels, w, 3, padding: 1), nn.LeakyReLU(0.2) };
        (int Out, int Stride)[] blocks = [(w, 2), (2 * w, 1), (2 * w, 2), (4 * w, 1), (4 * w, 2), (8 * w, 1), (8 * w, 2)];
        int inChannels = w;
        foreach (var (outChannels, stride) in blocks)
        {
            layers.AddRange([new PrecisionConv2d(inChannels, outChannels, 3, stride, padding: 1, bias: false), nn.BatchNorm2d(outChannels), nn.LeakyReLU(0.2)]);
            inChannels = outChannels;
        }
        features = nn.Sequential(layers.ToArray());
        classifier = nn.Sequential(
            new PrecisionLinear(8 * w * options.PoolSize * options.PoolSize, options.DenseWidth),
            nn.LeakyReLU(0.2),
            new PrecisionLinear(options.DenseWidth, 1));
        RegisterComponents();
        this.ToChannelsLast();
    }

    /// <summary>The options this model was built with.</summary>
    public SrganDiscriminatorOptions Options { get; }

    /// <summary>Precision of convolutions and dense layers; setting it propagates to every block. Logits are float32 either way.</summary>
    public ComputePrecision Precision
    {
        get => _precision;
        set
        {
            _precision = value;
            PrecisionPropagation.Propagate(this, value);
        }
    }

    /// <summary>Scores a batch of HR-sized images.</summary>
    /// <param name="input">Images <c>[N, C, H, W]</c>, float32 in [0, 1], H, W &gt;= 16; not disposed.</param>
    /// <returns>Logits <c>[N, 1]</c>, float32 (positive = judged real).</returns>
    /// <exception cref="ArgumentException">When the input is not a 4-D float batch with C channels of at least 16 x 16.</exception>
    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.shape[1] != Options.Channels || input.shape[2] < 16 || input.shape[3] < 16 || !input.is_floating_point())
            throw new ArgumentException($"SRGAN discriminator expects a float batch [N, {Options.Channels}, H >= 16, W >= 16]; got {input.dtype} [{string.Join(", ", input.shape)}].", nameof(input));
        using var scope = NewDisposeScope();
        var x = input.to(float32);
        if (!x.IsChannelsLast()) x = x.ToChannelsLast();
        // [N, C, H, W] -> [N, 8w, H/16, W/16] -> [N, 8w, P, P]
        var pooled = nn.functional.adaptive_avg_pool2d(features.forward(x), [Options.PoolSize, Options.PoolSize]);
        return classifier.forward(pooled.flatten(1)).to(float32).MoveToOuterDisposeScope();
    }
}
