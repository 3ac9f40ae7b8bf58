namespace SrFace.Evaluation;

/// <summary>
/// SSIM of one plane on the 0-255 scale with BasicSR's settings: 11 x 11 Gaussian window (sigma 1.5, OpenCV
/// <c>getGaussianKernel</c> normalised to sum 1), K1 = 0.01, K2 = 0.03, L = 255, 'valid' filtering.
/// </summary>
internal static class SsimWindow
{
    /// <summary>Window side in pixels.</summary>
    public const int Size = 11;

    private const double Sigma = 1.5, C1 = 0.01 * 255 * 0.01 * 255, C2 = 0.03 * 255 * 0.03 * 255;

    /// <summary>The separable 1-D Gaussian (the 2-D window is its outer product).</summary>
    public static readonly double[] Kernel = MakeKernel();

    private static double[] MakeKernel()
    {
        var k = new double[Size];
        for (var i = 0; i < Size; i++) k[i] = Math.Exp(-(i - Size / 2) * (i - Size / 2) / (2 * Sigma * Sigma));
        var sum = k.Sum();
        return k.Select(v => v / sum).ToArray();
    }

    /// <summary>Mean of the SSIM map of two <paramref name="h"/> x <paramref name="w"/> row-major planes.</summary>
    public static double Ssim(double[] a, double[] b, int h, int w)
    {
        var aa = new double[a.Length]; var bb = new double[a.Length]; var ab = new double[a.Length];
        for (var i = 0; i < a.Length; i++) { aa[i] = a[i] * a[i]; bb[i] = b[i] * b[i]; ab[i] = a[i] * b[i]; }
        var (muA, muB) = (Filter(a, h, w), Filter(b, h, w));
        var (eAA, eBB, eAB) = (Filter(aa, h, w), Filter(bb, h, w), Filter(ab, h, w));
        var sum = 0.0;
        for (var i = 0; i < muA.Length; i++)
        {
            double ma = muA[i], mb = muB[i];
            double varA = eAA[i] - ma * ma, varB = eBB[i] - mb * mb, cov = eAB[i] - ma * mb;
            sum += (2 * ma * mb + C1) * (2 * cov + C2) / ((ma * ma + mb * mb + C1) * (varA + varB + C2));
        }
        return sum / muA.Length;
    }

    /// <summary>'Valid' separable Gaussian filtering: output (h - 10) x (w - 10), row-major.</summary>
    private static double[] Filter(double[] x, int h, int w)
    {
        int oh = h - Size + 1, ow = w - Size + 1;
        var rows = new double[h * ow];
        for (var r = 0; r < h; r++)
            for (var c = 0; c < ow; c++)
            {
                var s = 0.0;
                for (var k = 0; k < Size; k++) s += Kernel[k] * x[r * w + c + k];
                rows[r * ow + c] = s;
            }
        var result = new double[oh * ow];
        for (var r = 0; r < oh; r++)
            for (var c = 0; c < ow; c++)
            {
                var s = 0.0;
                for (var k = 0; k < Size; k++) s += Kernel[k] * rows[(r + k) * ow + c];
                result[r * ow + c] = s;
            }
        return result;
    }
}
