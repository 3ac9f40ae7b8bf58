using SrFace.Models.Pretrained;
using SrFace.Models.Recognition;
using SrFace.Models.SuperResolution;

namespace SrFace.Models;

/// <summary>
/// The models SrFace can build, by name: SR models ("srcnn", "fsrcnn", "srgan", "vdsr") and face recognisers
/// ("face-resnet18", "face-resnet34", "face-resnet50", "mobilefacenet", and "dlib-resnet" with pretrained weights). A plain table (timm-style per-model default
/// configuration), no reflection: adding a model is adding one entry. Names are case-insensitive.
/// </summary>
public static class ModelCatalog
{
    private static readonly float[] Half = [0.5f, 0.5f, 0.5f];
    private static readonly VdsrOptions VdsrDefaults = new();

    /// <summary>SR models by name.</summary>
    public static IReadOnlyDictionary<string, SrModelEntry> SuperResolution { get; } =
        new[]
        {
            new SrModelEntry("srcnn", "SRCNN, Dong et al., ECCV 2014 / TPAMI 2016 (9-5-5, bicubic pre-upsampling inside)",
                c => new Srcnn(new SrcnnOptions(c.Scale, c.Channels, N1: c.Width ?? 64, N2: (c.Width ?? 64) / 2, ResidualToBicubic: c.ResidualToBicubic))),
            new SrModelEntry("fsrcnn", "FSRCNN(d, s, m), Dong, Loy, Tang, ECCV 2016",
                c => new Fsrcnn(new FsrcnnOptions(c.Scale, c.Channels, D: c.Width ?? 56, M: c.Blocks ?? 4, ResidualToBicubic: c.ResidualToBicubic))),
            new SrModelEntry("vdsr", "VDSR-like residual restorer at S on a bicubic pre-upsampled face (Kim et al., CVPR 2016) with FFDNet's x2 pixel-unshuffle; any probe size",
                c => new Vdsr(new VdsrOptions(c.Channels, Width: c.Width ?? VdsrDefaults.Width, Layers: c.Blocks ?? VdsrDefaults.Layers))) { PreUpsampled = true },
            new SrModelEntry("srgan", "SRGAN, Ledig et al., CVPR 2017 (SRResNet generator + discriminator)",
                c => new SrResNet(new SrResNetOptions(c.Scale, c.Channels, B: c.Blocks ?? 16, Width: c.Width ?? 64, ResidualToBicubic: c.ResidualToBicubic)),
                c => new SrganDiscriminator(new SrganDiscriminatorOptions(c.Channels, Width: c.Width ?? 64))),
        }.ToDictionary(e => e.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Face recognisers by name.</summary>
    public static IReadOnlyDictionary<string, RecognizerEntry> Recognizers { get; } =
        new[]
        {
            FaceResNetEntry(18), FaceResNetEntry(34), FaceResNetEntry(50),
            new RecognizerEntry("mobilefacenet", "MobileFaceNet, Chen et al., CCBR 2018", 112, Half, Half,
                c => new MobileFaceNet(new MobileFaceNetOptions(c.EmbeddingSize, c.InputSize ?? 112, c.Channels, c.Width ?? 64))),
            DlibResNetEntry(),
        }.ToDictionary(e => e.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Builds the SR model called <paramref name="name"/>.</summary>
    /// <param name="name">A key of <see cref="SuperResolution"/>.</param>
    /// <param name="config">Scale, channels, optional width and depth.</param>
    /// <returns>A new model in float32, channels-last, training mode.</returns>
    /// <exception cref="ArgumentException">When the name is unknown (the message lists the known names).</exception>
    /// <exception cref="ArgumentOutOfRangeException">When the configuration is invalid for that model.</exception>
    public static SuperResolutionModel CreateSuperResolution(string name, SrModelConfig config) =>
        Find(SuperResolution, name, "SR model").Create(config);

    /// <summary>Builds the recogniser called <paramref name="name"/>.</summary>
    /// <param name="name">A key of <see cref="Recognizers"/>.</param>
    /// <param name="config">Input size, channels, embedding size, optional width, dropout.</param>
    /// <returns>A new model in float32, channels-last, training mode.</returns>
    /// <exception cref="ArgumentException">When the name is unknown (the message lists the known names).</exception>
    /// <exception cref="ArgumentOutOfRangeException">When the configuration is invalid for that model.</exception>
    public static FaceRecognizer CreateRecognizer(string name, RecognizerConfig config) =>
        Find(Recognizers, name, "recogniser").Create(config);

    /// <summary>Builds the recogniser called <paramref name="name"/> with its pretrained weights from <paramref name="store"/>.</summary>
    /// <param name="name">A key of <see cref="Recognizers"/> whose entry has <see cref="RecognizerEntry.Pretrained"/> weights.</param>
    /// <param name="store">The model store.</param>
    /// <returns>The network in float32, channels-last, eval mode.</returns>
    /// <exception cref="ArgumentException">When the name is unknown or has no pretrained weights.</exception>
    /// <exception cref="ModelStoreException">When a weights file is missing or damaged (the message says how to fetch it).</exception>
    public static FaceRecognizer CreatePretrainedRecognizer(string name, ModelStore store)
    {
        var entry = Find(Recognizers, name, "recogniser");
        var weights = entry.Pretrained ?? throw new ArgumentException(
            $"Recogniser '{name}' has no pretrained weights; pretrained: {string.Join(", ", Recognizers.Values.Where(e => e.Pretrained is not null).Select(e => e.Name))}.", nameof(name));
        var model = entry.Create(new RecognizerConfig());
        try
        {
            weights.LoadInto(model, store);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>dlib's ResNet from face-api's TF.js port (the default pretrained recogniser).</summary>
    private static RecognizerEntry DlibResNetEntry() =>
        new("dlib-resnet", "dlib face recognition ResNet v1 (King; TF.js port in @vladmandic/face-api 1.7.15), 128-D, 150 px", 150,
            DlibResNet.MeanRgb255.Select(m => m / 255f).ToArray(), [1f, 1f, 1f],
            c => c.EmbeddingSize != DlibResNet.DescriptorSize || c.Channels != 3
                ? throw new ArgumentOutOfRangeException(nameof(c), $"dlib-resnet is RGB with a {DlibResNet.DescriptorSize}-D descriptor; got C = {c.Channels}, D = {c.EmbeddingSize}.")
                : new DlibResNet(new DlibResNetOptions(c.InputSize ?? 150)))
        {
            Pretrained = new PretrainedWeights("@vladmandic/face-api", "1.7.15", "model/face_recognition_model-weights_manifest.json", "MIT",
                (model, manifest) => ((DlibResNet)model).LoadTfJs(manifest)),
            EmbeddingSize = DlibResNet.DescriptorSize,
            NativeDistance = EmbeddingDistance.Euclidean,
            NativeThreshold = DlibResNet.EuclideanThreshold,
            // face-api's own framing: View 1 DevTrain accuracy 0.9723 against 0.9705 for the dlib chip (chosen on DevTrain only;
            // `srface evaluate --protocol view1 --probe-sizes 150 --sr-faces 0 --alignment landmark-box|dlib-chip`).
            Alignment = FaceAlignmentTemplate.LandmarkBox,
            // The calibration line of that run: best-accuracy threshold on View 1 DevTrain (accuracy 0.9723 there; 0.9750 on DevTest).
            CalibratedThreshold = 0.9009,
            // Open-set identification (identify): the threshold at FPIR 1 % on LFW View 1 DevTrain people (a gallery of 200, one
            // image each; 500 people in no gallery), `srface evaluate --protocol open-set` (2026-12-05; on DevTest people it gives
            // FPIR 0.018 and rank-1 1 - FNIR 0.720, against 0.852 and 0.865 at the verification threshold 0.9009).
            CalibratedOpenSetThreshold = 0.9406,
            // Without alignment (--crop-fraction, pre-aligned sets): the centred crop with the best View 1 DevTrain accuracy
            // among 0.40 / 0.44 / 0.48 / 0.52 (0.9418 / 0.9473 / 0.9468 / 0.9418; DevTest 0.9370 at 0.44) and its threshold.
            CentredCropFraction = 0.44,
            CalibratedCropThreshold = 0.9137,
        };

    private static RecognizerEntry FaceResNetEntry(int depth) =>
        new($"face-resnet{depth}", $"FaceResNet-{depth} (insightface IResNet, IR blocks + E head), Deng et al., CVPR 2019", 112, Half, Half,
            c => new FaceResNet(new FaceResNetOptions(depth, c.Width ?? 64, c.EmbeddingSize, c.InputSize ?? 112, c.Channels, c.Dropout)));

    private static T Find<T>(IReadOnlyDictionary<string, T> table, string name, string kind)
    {
        ArgumentNullException.ThrowIfNull(name);
        return table.TryGetValue(name, out var entry)
            ? entry
            : throw new ArgumentException($"Unknown {kind} '{name}'; known: {string.Join(", ", table.Keys)}.", nameof(name));
    }
}
