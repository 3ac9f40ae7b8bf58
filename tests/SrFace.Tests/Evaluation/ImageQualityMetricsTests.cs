using SrFace.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Tests.Evaluation;

[Collection(TorchCollection.Name)]
public class ImageQualityMetricsTests
{
    private const double YRange = 65.481 + 128.553 + 24.966; // 219: Y span of a full-range RGB step

    [Fact]
    public void Identical_images_give_infinite_psnr_and_ssim_one()
    {
        torch.manual_seed(1);
        using var img = rand(3, 24, 24);
        Assert.Equal(double.PositiveInfinity, ImageQualityMetrics.Psnr(img, img));
        Assert.Equal(double.PositiveInfinity, ImageQualityMetrics.Psnr(img, img, border: 2, yChannel: true));
        Assert.Equal(1.0, ImageQualityMetrics.Ssim(img, img), 12);
        Assert.Equal(1.0, ImageQualityMetrics.Ssim(img, img, border: 2, yChannel: true), 12);
    }

    [Fact]
    public void Constant_offset_gives_the_hand_computed_psnr_and_ssim()
    {
        using var a = full(new long[] { 3, 16, 16 }, 0.5, ScalarType.Float32);
        using var b = full(new long[] { 3, 16, 16 }, 0.6, ScalarType.Float32);
        // RGB: every difference is 0.1 * 255 = 25.5 -> PSNR = 20 log10(255 / 25.5) = 20 dB (float32 input: 1e-5 slack).
        Assert.Equal(20.0, ImageQualityMetrics.Psnr(a, b), 4);
        // Y: difference 0.1 * 219 = 21.9.
        Assert.Equal(20 * Math.Log10(255 / (0.1 * YRange)), ImageQualityMetrics.Psnr(a, b, yChannel: true), 4);
        // Flat images: variances and covariance 0, so SSIM = (2 mu_a mu_b + C1) / (mu_a^2 + mu_b^2 + C1).
        static double Flat(double ma, double mb) { const double c1 = 2.55 * 2.55; return (2 * ma * mb + c1) / (ma * ma + mb * mb + c1); }
        Assert.Equal(Flat(0.5 * 255, 0.6 * 255), ImageQualityMetrics.Ssim(a, b), 6);
        Assert.Equal(Flat(16 + 0.5 * YRange, 16 + 0.6 * YRange), ImageQualityMetrics.Ssim(a, b, yChannel: true), 6);
    }

    [Fact]
    public void Gaussian_noise_of_known_sigma_gives_psnr_near_20_log10_one_over_sigma()
    {
        torch.manual_seed(3);
        const double sigma = 0.05;
        using var clean = full(new long[] { 2, 3, 64, 64 }, 0.5, ScalarType.Float64);
        using var noise = randn(2, 3, 64, 64, ScalarType.Float64) * sigma;
        using var noisy = clean + noise; // 10 sigma from 0 and 1: no clipping needed
        Assert.Equal(20 * Math.Log10(1 / sigma), ImageQualityMetrics.Psnr(noisy, clean), 0.2);
        var ssim = ImageQualityMetrics.Ssim(noisy, clean);
        Assert.InRange(ssim, 0.0, 0.99);
    }

    [Fact]
    public void Border_crop_ignores_edge_differences()
    {
        using var a = full(new long[] { 1, 3, 20, 20 }, 0.5, ScalarType.Float32);
        using var b = a.clone();
        b[0, 0, 0, 5] = tensor(0.9f);
        b[0, 2, 19, 19] = tensor(0.1f);
        Assert.True(double.IsFinite(ImageQualityMetrics.Psnr(a, b)));
        Assert.Equal(double.PositiveInfinity, ImageQualityMetrics.Psnr(a, b, border: 1));
    }

    [Fact]
    public void Batch_values_are_per_image_and_averaged()
    {
        torch.manual_seed(5);
        using var hr = rand(2, 3, 16, 16);
        using var sr = (hr + randn(2, 3, 16, 16) * 0.02).clamp(0, 1);
        var per = ImageQualityMetrics.PsnrPerImage(sr, hr, yChannel: true);
        Assert.Equal(2, per.Length);
        Assert.Equal(ImageQualityMetrics.Psnr(sr[1], hr[1], yChannel: true), per[1], 10);
        Assert.Equal(per.Average(), ImageQualityMetrics.Psnr(sr, hr, yChannel: true), 10);
        var ssim = ImageQualityMetrics.SsimPerImage(sr, hr);
        Assert.Equal(ImageQualityMetrics.Ssim(sr[0], hr[0]), ssim[0], 10);
    }

    [Fact]
    public void Ssim_matches_a_direct_two_dimensional_window_sum()
    {
        var rng = new Random(11);
        const int h = 13, w = 14;
        var a = Enumerable.Range(0, h * w).Select(_ => rng.NextDouble() * 255).ToArray();
        var b = a.Select(v => Math.Clamp(v + (rng.NextDouble() - 0.5) * 60, 0, 255)).ToArray();
        double c1 = Math.Pow(0.01 * 255, 2), c2 = Math.Pow(0.03 * 255, 2), sum = 0;
        var g = Enumerable.Range(0, 11).Select(i => Math.Exp(-(i - 5) * (i - 5) / 4.5)).ToArray();
        var gs = g.Sum();
        for (var r = 0; r + 11 <= h; r++)
            for (var c = 0; c + 11 <= w; c++)
            {
                double ma = 0, mb = 0, aa = 0, bb = 0, ab = 0;
                for (var u = 0; u < 11; u++)
                    for (var v = 0; v < 11; v++)
                    {
                        double wt = g[u] * g[v] / (gs * gs), x = a[(r + u) * w + c + v], y = b[(r + u) * w + c + v];
                        ma += wt * x; mb += wt * y; aa += wt * x * x; bb += wt * y * y; ab += wt * x * y;
                    }
                sum += (2 * ma * mb + c1) * (2 * (ab - ma * mb) + c2) / ((ma * ma + mb * mb + c1) * (aa - ma * ma + bb - mb * mb + c2));
            }
        var expected = sum / ((h - 10) * (w - 10));
        using var ta = tensor(a.Select(v => v / 255).ToArray(), new long[] { 1, h, w });
        using var tb = tensor(b.Select(v => v / 255).ToArray(), new long[] { 1, h, w });
        Assert.Equal(expected, ImageQualityMetrics.Ssim(ta, tb), 10);
    }

    [Fact]
    public void Bad_shapes_are_rejected()
    {
        using var a = zeros(3, 16, 16);
        using var b = zeros(3, 16, 15);
        using var grey = zeros(1, 16, 16);
        Assert.Throws<ArgumentException>(() => ImageQualityMetrics.Psnr(a, b));
        Assert.Throws<ArgumentException>(() => ImageQualityMetrics.Psnr(grey, grey, yChannel: true));
        Assert.Throws<ArgumentException>(() => ImageQualityMetrics.Ssim(a, a, border: 3)); // 10 x 10 left
        Assert.Throws<ArgumentException>(() => ImageQualityMetrics.Psnr(a, a, border: 8));
    }

    [Fact]
    public void Identity_similarity_is_the_mean_row_cosine()
    {
        using var hr = tensor(new float[] { 1, 0, 0, 2, 1, 1 }, new long[] { 3, 2 });
        using var sr = tensor(new float[] { 3, 0, 0, -1, 1, -1 }, new long[] { 3, 2 });
        var per = IdentitySimilarity.PerPair(hr, sr);
        Assert.Equal([1.0, -1.0, 0.0], per.Select(v => Math.Round(v, 6)));
        Assert.Equal(0.0, IdentitySimilarity.Mean(hr, sr), 6);
        using var wrong = zeros(3, 3);
        Assert.Throws<ArgumentException>(() => IdentitySimilarity.Mean(hr, wrong));
    }
}
