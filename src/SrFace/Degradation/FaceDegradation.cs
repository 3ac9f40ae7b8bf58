using SrFace.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SrFace.Degradation;

/// <summary>
/// Makes the low-quality copy of a batch of HR faces (METHOD.md step 2, "downsample"): Gaussian blur -> bicubic
/// downsampling with antialiasing -> Gaussian noise -> JPEG round trip -> clamp to [0, 1], each step as configured by
/// <see cref="DegradationOptions"/>; also the bicubic upsampling that brings LR images to a recogniser's input size
/// (METHOD.md step 5).
/// </summary>
/// <remarks>
/// <para>Randomness comes only from the <see cref="Random"/> (or seed) passed in: per image, in this order, one draw
/// each for blur sigma, noise sigma and JPEG quality, then one 64-bit seed for the batch's noise field (a private
/// <see cref="torch.Generator"/>). The same seed therefore degrades a batch identically in training and evaluation,
/// whatever else uses torch's global generator.</para>
/// <para>Downsampling is <c>interpolate(mode: bicubic, align_corners: false, antialias: true)</c>, the PyTorch
/// equivalent of MATLAB's <c>imresize</c> used by the SR literature (a = -0.75 kernel instead of MATLAB's -0.5).
/// Blur pads by replicating the border so flat regions stay flat. Degradation is a data transform: it runs under
/// no-grad and the result carries no graph.</para>
/// </remarks>
public sealed class FaceDegradation
{
    /// <summary>Creates a degrader.</summary>
    /// <param name="options">The degradation settings.</param>
    /// <exception cref="ArgumentOutOfRangeException">When an option is out of range (see <see cref="DegradationOptions.Validate"/>).</exception>
    /// <exception cref="ArgumentException">When only one target side is set.</exception>
    public FaceDegradation(DegradationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    /// <summary>The settings this degrader applies.</summary>
    public DegradationOptions Options { get; }

    /// <summary>Degrades a batch with randomness from a seed (see <see cref="Degrade(Tensor, Random)"/>).</summary>
    /// <param name="hr">HR batch <c>[N, C, H, W]</c>, float32, values in [0, 1], RGB (C = 3) or grey (C = 1).</param>
    /// <param name="seed">The seed; equal seeds give bit-identical results for the same batch and options.</param>
    /// <returns>LR batch <c>[N, C, h, w]</c>, float32 in [0, 1] (see <see cref="DegradationOptions.LowResolutionSize"/>).</returns>
    public Tensor Degrade(Tensor hr, int seed) => Degrade(hr, new Random(seed));

    /// <summary>Degrades a batch of HR faces into a batch of LR faces.</summary>
    /// <param name="hr">HR batch <c>[N, C, H, W]</c>, float32, values in [0, 1], RGB (C = 3) or grey (C = 1); any
    /// memory layout. It is neither modified nor disposed.</param>
    /// <param name="random">The seeded source of randomness; advanced by exactly 3 draws per image plus one per
    /// batch, whichever degradations are on.</param>
    /// <returns>LR batch <c>[N, C, h, w]</c>, float32 in [0, 1], contiguous NCHW, where <c>(h, w)</c> is
    /// <see cref="DegradationOptions.LowResolutionSize"/> of <c>(H, W)</c>.</returns>
    /// <exception cref="ArgumentException">When <paramref name="hr"/> is not a 4-D float32 tensor, when JPEG is on and
    /// C is neither 1 nor 3, or when a LR side would be under 1 pixel.</exception>
    public Tensor Degrade(Tensor hr, Random random)
    {
        ArgumentNullException.ThrowIfNull(hr);
        ArgumentNullException.ThrowIfNull(random);
        CheckBatch(hr, nameof(hr));
        var (n, c) = (hr.shape[0], hr.shape[1]);
        if (Options.JpegQuality.HasValue && c != 1 && c != 3)
            throw new ArgumentException($"JPEG re-compression needs 1 (grey) or 3 (RGB) channels; got {c}.", nameof(hr));
        var (h, w) = Options.LowResolutionSize(hr.shape[2], hr.shape[3]);

        // Draw every per-image parameter first, in a fixed order, so the sequence never depends on tensor work.
        var blur = new double[n];
        var noise = new double[n];
        var quality = new int[n];
        for (var i = 0; i < n; i++)
        {
            blur[i] = Options.BlurSigma.Sample(random);
            noise[i] = Options.NoiseSigma.Sample(random);
            var q = (Options.JpegQuality ?? default).Sample(random); // drawn even when off, so switching JPEG on keeps the other draws
            quality[i] = (int)Math.Round(q);
        }
        var noiseSeed = random.NextInt64();

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = Options.BlurSigma.IsZero ? hr : BlurEach(hr, blur);
        x = F.interpolate(x, [h, w], mode: InterpolationMode.Bicubic, align_corners: false, antialias: true); // [N, C, h, w]
        if (!Options.NoiseSigma.IsZero)
        {
            using var generator = new Generator((ulong)noiseSeed);
            var sigma = tensor(noise.Select(s => (float)s).ToArray(), float32).reshape(n, 1, 1, 1);
            x = x + randn(x.shape, float32, generator: generator) * sigma;
        }
        x = SafeScalars.Clamp(x);
        if (Options.JpegQuality.HasValue) x = JpegRoundTrip.Apply(x, quality);
        return x.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Isotropic Gaussian blur as two separable depthwise convolutions (channels-last), with replicated borders.
    /// The kernel has radius <c>ceil(3 sigma)</c> (size <c>2 ceil(3 sigma) + 1</c>) and sums to 1.
    /// </summary>
    /// <param name="x">Batch <c>[N, C, H, W]</c>, float32; not modified or disposed.</param>
    /// <param name="sigma">Standard deviation in pixels; 0 returns an unblurred copy.</param>
    /// <returns>The blurred batch, same shape, channels-last layout.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="sigma"/> is negative or not finite.</exception>
    public static Tensor GaussianBlur(Tensor x, double sigma)
    {
        if (!double.IsFinite(sigma) || sigma < 0) throw new ArgumentOutOfRangeException(nameof(sigma), $"Blur sigma must be finite and >= 0; got {sigma}.");
        if (sigma == 0) return x.clone();
        using var scope = NewDisposeScope();
        var c = x.shape[1];
        var radius = (int)Math.Ceiling(3 * sigma);
        var taps = Enumerable.Range(-radius, 2 * radius + 1).Select(t => Math.Exp(-t * t / (2 * sigma * sigma))).ToArray();
        var sum = taps.Sum();
        var kernel = tensor(taps.Select(t => (float)(t / sum)).ToArray(), float32, x.device);
        var horizontal = kernel.reshape(1, 1, 1, -1).expand(c, 1, 1, -1).contiguous().ToChannelsLast(); // [C, 1, 1, k]
        var vertical = kernel.reshape(1, 1, -1, 1).expand(c, 1, -1, 1).contiguous().ToChannelsLast();   // [C, 1, k, 1]
        var padded = F.pad(x, [radius, radius, radius, radius], PaddingModes.Replicate).ToChannelsLast(); // [N, C, H+2r, W+2r]
        var y = F.conv2d(F.conv2d(padded, horizontal, groups: c), vertical, groups: c); // [N, C, H, W]
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Bicubic upsampling to a fixed size (<c>align_corners: false</c>), clamped to [0, 1]: brings LR faces to a
    /// recogniser's fixed input size (METHOD.md step 5) and is the "bicubic upscaling" baseline. It only enlarges (or
    /// keeps) each side; <see cref="Resize"/> also shrinks.
    /// </summary>
    /// <param name="x">Batch <c>[N, C, h, w]</c>, float32 in [0, 1]; not modified or disposed.</param>
    /// <param name="height">Output height in pixels, at least h.</param>
    /// <param name="width">Output width in pixels, at least w.</param>
    /// <returns>Batch <c>[N, C, height, width]</c>, float32 in [0, 1].</returns>
    /// <exception cref="ArgumentException">When <paramref name="x"/> is not a 4-D float32 tensor, or a side would shrink (use <see cref="Resize"/>).</exception>
    public static Tensor Upsample(Tensor x, int height, int width)
    {
        CheckBatch(x, nameof(x));
        if (height < x.shape[2] || width < x.shape[3])
            throw new ArgumentException($"Upsample enlarges only: {x.shape[2]}x{x.shape[3]} -> {height}x{width} shrinks; use Resize.", nameof(height));
        return Resize(x, height, width);
    }

    /// <summary>
    /// Bicubic resize to a fixed size in either direction (<c>align_corners: false</c>, antialiased when shrinking),
    /// clamped to [0, 1]: e.g. a sharp face larger than the recogniser's input brought down to it.
    /// </summary>
    /// <param name="x">Batch <c>[N, C, h, w]</c>, float32 in [0, 1]; not modified or disposed.</param>
    /// <param name="height">Output height in pixels, at least 1.</param>
    /// <param name="width">Output width in pixels, at least 1.</param>
    /// <returns>Batch <c>[N, C, height, width]</c>, float32 in [0, 1].</returns>
    /// <exception cref="ArgumentException">When <paramref name="x"/> is not a 4-D float32 tensor.</exception>
    /// <exception cref="ArgumentOutOfRangeException">When a size is under 1.</exception>
    public static Tensor Resize(Tensor x, int height, int width)
    {
        CheckBatch(x, nameof(x));
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"Resizing needs a size of at least 1x1; got {height}x{width}.");
        using var scope = NewDisposeScope();
        var antialias = height < x.shape[2] || width < x.shape[3];
        var y = F.interpolate(x, [height, width], mode: InterpolationMode.Bicubic, align_corners: false, antialias: antialias);
        return SafeScalars.Clamp(y).MoveToOuterDisposeScope();
    }

    /// <summary>Crops the bottom and right edges so both sides are multiples of <paramref name="scale"/> (BasicSR's <c>mod_crop</c>).</summary>
    /// <param name="hr">Batch <c>[N, C, H, W]</c>; not modified or disposed.</param>
    /// <param name="scale">The factor, at least 1.</param>
    /// <returns>A view <c>[N, C, H - H mod s, W - W mod s]</c>.</returns>
    /// <exception cref="ArgumentException">When a side is smaller than <paramref name="scale"/> or the tensor is not 4-D.</exception>
    public static Tensor ModCrop(Tensor hr, int scale)
    {
        if (hr.dim() != 4) throw new ArgumentException($"Expected a batch [N, C, H, W]; got shape [{string.Join(", ", hr.shape)}].", nameof(hr));
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), $"Scale must be at least 1; got {scale}.");
        long h = hr.shape[2] / scale * scale, w = hr.shape[3] / scale * scale;
        if (h < 1 || w < 1) throw new ArgumentException($"A {hr.shape[2]}x{hr.shape[3]} image has no full {scale}x{scale} block to keep.", nameof(hr));
        return hr.narrow(2, 0, h).narrow(3, 0, w);
    }

    private static Tensor BlurEach(Tensor hr, double[] sigmas)
    {
        // One kernel per distinct sigma: a fixed sigma blurs the whole batch at once.
        if (sigmas.Distinct().Count() == 1) return GaussianBlur(hr, sigmas[0]);
        var parts = sigmas.Select((s, i) => GaussianBlur(hr.narrow(0, i, 1), s).contiguous()).ToArray();
        return cat(parts, 0);
    }

    private static void CheckBatch(Tensor x, string name)
    {
        if (x.dim() != 4) throw new ArgumentException($"Expected an image batch [N, C, H, W]; got shape [{string.Join(", ", x.shape)}].", name);
        if (x.dtype != float32) throw new ArgumentException($"Expected float32 values in [0, 1]; got {x.dtype}.", name);
    }
}
