using SrFace.Data;
using SrFace.Degradation;
using SrFace.Imaging;
using static TorchSharp.torch;

namespace SrFace.Evaluation;

/// <summary>Restoration quality at one probe size, averaged over the faces measured.</summary>
/// <param name="ProbeSize">LR side p in pixels.</param>
/// <param name="Scale">Upscaling factor S / p (rounded to an integer when S is not a multiple of p).</param>
/// <param name="Border">Pixels cropped at each edge before PSNR/SSIM: the scale, capped so that 11 x 11 pixels remain for SSIM.</param>
/// <param name="Faces">Faces measured.</param>
/// <param name="PsnrRestored">Mean PSNR (dB, Y channel) of the SR-restored faces against HR.</param>
/// <param name="PsnrBicubic">Mean PSNR (dB, Y channel) of bicubic upsampling against HR.</param>
/// <param name="SsimRestored">Mean SSIM (Y channel) of the restored faces, in [-1, 1].</param>
/// <param name="SsimBicubic">Mean SSIM (Y channel) of bicubic upsampling.</param>
/// <param name="IdentityRestored">Mean cosine between the recogniser's embeddings of HR and restored faces, in [-1, 1].</param>
/// <param name="IdentityBicubic">Mean cosine between the embeddings of HR and bicubic-upsampled faces.</param>
public sealed record SrQualityRow(int ProbeSize, int Scale, int Border, int Faces, double PsnrRestored, double PsnrBicubic,
    double SsimRestored, double SsimBicubic, double IdentityRestored, double IdentityBicubic);

/// <summary>
/// Super-resolution quality per scale on held-out HR faces: PSNR and SSIM on the Y channel (BT.601, border = scale; the
/// BasicSR conventions of <see cref="ImageQualityMetrics"/>) and identity similarity (<see cref="IdentitySimilarity"/>,
/// joint recogniser) of restored and of bicubic-upsampled faces, each against the HR face. Probes are made exactly as in
/// <see cref="LowResolutionBenchmark"/>. A face whose restoration equals HR would give PSNR +infinity (see conventions).
/// </summary>
public static class SuperResolutionQuality
{
    /// <summary>The probe sizes measured: the benchmark's probe sizes below S plus the model's own S/s, ascending.</summary>
    /// <param name="benchmark">The benchmark.</param>
    /// <returns>Distinct ascending sizes below S.</returns>
    public static IReadOnlyList<int> Sizes(LowResolutionBenchmark benchmark) =>
        benchmark.ProbeSizes.Append(benchmark.Joint.LowResolutionSize).Where(p => p < benchmark.InputSize).Distinct().Order().ToArray();

    /// <summary>Measures restoration quality on HR face files at every size of <see cref="Sizes"/>.</summary>
    /// <param name="benchmark">Models and probe degradation.</param>
    /// <param name="hrFiles">Held-out face images (never trained on), e.g. the first 200 DevTest images.</param>
    /// <param name="images">Loader giving S x S crops (see <see cref="LowResolutionBenchmark.CreateLoader"/>; any loader with the model's preprocessing).</param>
    /// <returns>One row per size.</returns>
    /// <exception cref="ArgumentException">When no files are given or the crop size differs from S.</exception>
    public static IReadOnlyList<SrQualityRow> Measure(LowResolutionBenchmark benchmark, IReadOnlyList<string> hrFiles, FaceImageLoader images)
    {
        ArgumentNullException.ThrowIfNull(benchmark);
        ArgumentNullException.ThrowIfNull(hrFiles);
        if (hrFiles.Count == 0) throw new ArgumentException("No HR faces to measure SR quality on.", nameof(hrFiles));
        if (images.Preprocessing.Size != benchmark.InputSize)
            throw new ArgumentException($"The loader crops faces to {images.Preprocessing.Size} px but the model input is {benchmark.InputSize} px.", nameof(images));
        var s = benchmark.InputSize;
        var sizes = Sizes(benchmark);
        var sums = sizes.ToDictionary(p => p, _ => new double[6]);
        var joint = benchmark.Joint;
        for (int start = 0, batch = 0; start < hrFiles.Count; start += benchmark.Options.BatchSize, batch++)
        {
            using var scope = NewDisposeScope();
            var hr = images.LoadFiles(hrFiles.Skip(start).Take(benchmark.Options.BatchSize).ToArray());
            var hrEmbedding = joint.EmbedRecognizerOnly(hr);
            foreach (var p in sizes)
            {
                using var sizeScope = NewDisposeScope();
                var border = Border(s, p);
                var lr = benchmark.DegradeProbes(hr, p, batch);
                var bicubic = FaceDegradation.Upsample(lr, s, s);
                var restored = joint.Restore(lr);
                var sum = sums[p];
                sum[0] += ImageQualityMetrics.PsnrPerImage(restored, hr, border, yChannel: true).Sum();
                sum[1] += ImageQualityMetrics.PsnrPerImage(bicubic, hr, border, yChannel: true).Sum();
                sum[2] += ImageQualityMetrics.SsimPerImage(restored, hr, border, yChannel: true).Sum();
                sum[3] += ImageQualityMetrics.SsimPerImage(bicubic, hr, border, yChannel: true).Sum();
                sum[4] += IdentitySimilarity.PerPair(hrEmbedding, joint.EmbedRecognizerOnly(restored)).Sum();
                sum[5] += IdentitySimilarity.PerPair(hrEmbedding, joint.EmbedRecognizerOnly(bicubic)).Sum();
            }
        }
        var n = hrFiles.Count;
        return sizes.Select(p =>
        {
            var m = sums[p].Select(v => v / n).ToArray();
            return new SrQualityRow(p, (int)Math.Round((double)s / p), Border(s, p), n, m[0], m[1], m[2], m[3], m[4], m[5]);
        }).ToArray();
    }

    /// <summary>
    /// A comparison grid for the report: one row per face, columns HR | LR (nearest-neighbour enlarged to S, to show the
    /// pixels) | bicubic | SR-restored, written as a PNG.
    /// </summary>
    /// <param name="benchmark">Models and probe degradation.</param>
    /// <param name="hr">HR faces <c>[N, C, S, S]</c> in [0, 1]; not disposed.</param>
    /// <param name="probeSize">Probe side in pixels.</param>
    /// <param name="path">PNG file to write.</param>
    /// <returns>The PNG's (width, height) in pixels.</returns>
    public static (int Width, int Height) WriteSampleGrid(LowResolutionBenchmark benchmark, Tensor hr, int probeSize, string path)
    {
        using var scope = NewDisposeScope();
        var s = benchmark.InputSize;
        var lr = benchmark.DegradeProbes(hr, probeSize, 0);
        var nearest = nn.functional.interpolate(lr, [s, s], mode: InterpolationMode.Nearest);
        var bicubic = FaceDegradation.Upsample(lr, s, s);
        var restored = benchmark.Joint.Restore(lr);
        var cells = new List<Tensor>();
        for (var i = 0; i < hr.shape[0]; i++) cells.AddRange([hr[i], nearest[i], bicubic[i], restored[i]]);
        var grid = ImageGrid.Compose(cells, columns: 4);
        PngWriter.Write(grid, path);
        return ((int)grid.shape[2], (int)grid.shape[1]);
    }

    private static int Border(int inputSize, int probeSize) =>
        Math.Max(0, Math.Min((int)Math.Round((double)inputSize / probeSize), (inputSize - 11) / 2));
}
