using System.Globalization;
using SrFace.Cascade;
using SrFace.Data;
using SrFace.Imaging;
using SrFace.Models;

namespace SrFace.Export;

/// <summary>
/// What an exported cascade's ONNX file says about itself besides the graph (stored as the model's
/// <c>metadata_props</c>, keys <c>srface.*</c>): sizes, face framing (crop fraction or pixels and the alignment
/// template, the cascade's own <see cref="FacePreprocessing"/>), colour mode, fusion and the calibrated threshold.
/// </summary>
/// <param name="ProbeSize">Side p of the <c>probe</c> input in pixels.</param>
/// <param name="InputSize">Recogniser input side S (the <c>face</c> input) in pixels.</param>
/// <param name="Channels">Image channels C (3 RGB, 1 grey).</param>
/// <param name="EmbeddingWidth">Width of both outputs (D, or 2D under concatenation fusion).</param>
/// <param name="Scale">SR upscaling factor s.</param>
/// <param name="Fusion">The fusion of the low-resolution path.</param>
/// <param name="Threshold">Calibrated cosine threshold, or null.</param>
/// <param name="OpenSetThreshold">The cascade's open-set identification threshold (<see cref="CascadeManifest.OpenSetThreshold"/>,
/// key <c>srface.open_set_threshold</c>), or null (also for exports written before the key).</param>
/// <param name="Preprocessing">Face framing (crop, alignment) and colour mode of the cascade (its size is S).</param>
/// <param name="ModelId">The cascade's <see cref="Recognition.FaceEmbedder.ModelIdOf"/>: same weights, same id.</param>
/// <param name="Opset">The ONNX opset of the graph.</param>
/// <param name="ProbeAnySide">True when the <c>probe</c> input takes faces of any side below S (its spatial dimensions
/// are symbolic): the low-resolution path starts by upsampling to S (no SR model, or a pre-upsampled one such as vdsr),
/// so a photo's face at its own resolution (e.g. 119 px after alignment) needs no export of its own.</param>
/// <param name="RestorationLimit">The cascade's <see cref="FaceRecognitionCascade.RestorationLimit"/> (key
/// <c>srface.restoration_limit</c>): which faces the runtime restores, by the same rule
/// (<see cref="FaceRecognitionCascade.IsBelowRestorationLimit"/>). Exports written before the key existed read as
/// <see cref="CascadeManifest.DefaultRestorationLimit"/>, the limit every cascade had then.</param>
/// <param name="FaceAnySide">True when the <c>face</c> input takes faces of any side up to S (key
/// <c>srface.face_any_side</c>), bicubic-upsampled to S in the graph as <see cref="FaceRecognitionCascade.Embed"/>
/// does for a face it does not restore; older exports take exactly S, and the runtime sends their smaller faces
/// through the <c>probe</c> input (restored) as it always did.</param>
public sealed record OnnxCascadeMetadata(int ProbeSize, int InputSize, int Channels, int EmbeddingWidth, int Scale,
    FeatureFusion Fusion, double? Threshold, FacePreprocessing Preprocessing, string ModelId, int Opset, bool ProbeAnySide = false,
    double RestorationLimit = CascadeManifest.DefaultRestorationLimit, bool FaceAnySide = false, double? OpenSetThreshold = null)
{
    /// <summary>True when the low-resolution path restores (the export has an SR model): the <c>probe</c> input is then
    /// more than the recogniser on the upsampled face.</summary>
    public bool Restores => Fusion != FeatureFusion.ProbeOnly;

    /// <summary>The cascade's decision for a face of this export (<see cref="FaceRecognitionCascade.NeedsRestoration"/>,
    /// the same rule with <see cref="RestorationLimit"/>).</summary>
    /// <param name="faceSidePx">The face's side in the photo in pixels (<see cref="Recognition.FaceEmbedder.FaceSideInPhoto"/>), &gt;= 0.</param>
    /// <param name="framing">How the face was framed.</param>
    /// <returns>True when the face must be restored (the export has an SR model and the face is small).</returns>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="faceSidePx"/> is negative or not finite.</exception>
    public bool NeedsRestoration(double faceSidePx, FaceAlignmentTemplate framing) =>
        Restores && FaceRecognitionCascade.IsBelowRestorationLimit(faceSidePx, framing, RestorationLimit, InputSize);

    /// <summary>Whether the <c>probe</c> input takes a face of <paramref name="side"/> pixels.</summary>
    /// <param name="side">A chip side in pixels.</param>
    public bool TakesProbe(int side) => side == ProbeSize || (ProbeAnySide && side < InputSize);

    private const string Prefix = "srface.";

    /// <summary>The key/value pairs written into the model.</summary>
    /// <returns>Keys <c>srface.probe_size</c>, <c>srface.input_size</c>, ... with invariant-culture values.</returns>
    public IReadOnlyDictionary<string, string> ToDictionary()
    {
        var i = CultureInfo.InvariantCulture;
        var d = new Dictionary<string, string>
        {
            [Prefix + "kind"] = "srface-cascade-onnx",
            [Prefix + "probe_size"] = ProbeSize.ToString(i),
            [Prefix + "input_size"] = InputSize.ToString(i),
            [Prefix + "channels"] = Channels.ToString(i),
            [Prefix + "embedding_width"] = EmbeddingWidth.ToString(i),
            [Prefix + "scale"] = Scale.ToString(i),
            [Prefix + "fusion"] = Fusion.ToString(),
            [Prefix + "crop_fraction"] = Preprocessing.CropFraction.ToString("R", i),
            [Prefix + "color"] = Preprocessing.Color.ToString(),
            [Prefix + "alignment"] = Preprocessing.Alignment.ToString(),
            [Prefix + "model_id"] = ModelId,
            [Prefix + "opset"] = Opset.ToString(i),
        };
        if (Threshold is { } t) d[Prefix + "threshold"] = t.ToString("R", i);
        if (OpenSetThreshold is { } open) d[Prefix + "open_set_threshold"] = open.ToString("R", i);
        if (ProbeAnySide) d[Prefix + "probe_any_side"] = "true";
        if (FaceAnySide) d[Prefix + "face_any_side"] = "true";
        d[Prefix + "restoration_limit"] = RestorationLimit.ToString("R", i);
        if (Preprocessing.CropPixels is { } px) d[Prefix + "crop_pixels"] = px.ToString(i);
        return d;
    }

    /// <summary>Reads the metadata back from a model's key/value pairs.</summary>
    /// <param name="values">The model's metadata.</param>
    /// <param name="source">The file, for error messages.</param>
    /// <returns>The metadata.</returns>
    /// <exception cref="InvalidDataException">When the file is not an SrFace cascade export or a value is malformed (names the file).</exception>
    public static OnnxCascadeMetadata FromDictionary(IReadOnlyDictionary<string, string> values, string source)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!values.TryGetValue(Prefix + "kind", out var kind) || kind != "srface-cascade-onnx")
            throw new InvalidDataException($"{source}: not an ONNX file written by `srface export` (no srface.kind metadata).");
        string Get(string key) => values.TryGetValue(Prefix + key, out var v) ? v : throw new InvalidDataException($"{source}: metadata srface.{key} is missing.");
        int Int(string key) => int.TryParse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v
            : throw new InvalidDataException($"{source}: metadata srface.{key} = '{Get(key)}' is not a positive integer.");
        T Enum<T>(string key) where T : struct, Enum => System.Enum.TryParse<T>(Get(key), out var v) ? v
            : throw new InvalidDataException($"{source}: metadata srface.{key} = '{Get(key)}' is not a {typeof(T).Name}.");
        double? Cosine(string key) => values.TryGetValue(Prefix + key, out var t)
            ? double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var tv) && tv is >= -1 and <= 1 ? tv
                : throw new InvalidDataException($"{source}: metadata srface.{key} = '{t}' is not a cosine in [-1, 1].")
            : null;
        var threshold = Cosine("threshold");
        var fraction = double.TryParse(Get("crop_fraction"), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f is > 0 and <= 1 ? f
            : throw new InvalidDataException($"{source}: metadata srface.crop_fraction = '{Get("crop_fraction")}' is not in (0, 1].");
        var limit = values.TryGetValue(Prefix + "restoration_limit", out var r)
            ? double.TryParse(r, NumberStyles.Float, CultureInfo.InvariantCulture, out var rv) && rv > 0 && double.IsFinite(rv) ? rv
                : throw new InvalidDataException($"{source}: metadata srface.restoration_limit = '{r}' is not a positive number.")
            : CascadeManifest.DefaultRestorationLimit; // exports written before the key: the limit of every cascade then
        int? pixels = values.ContainsKey(Prefix + "crop_pixels") ? Int("crop_pixels") : null;
        var inputSize = Int("input_size");
        // Exports written before faces could be aligned have no srface.alignment: they are centred crops.
        var alignment = values.ContainsKey(Prefix + "alignment") ? Enum<FaceAlignmentTemplate>("alignment") : FaceAlignmentTemplate.CentredCrop;
        return new OnnxCascadeMetadata(Int("probe_size"), inputSize, Int("channels"), Int("embedding_width"), Int("scale"),
            Enum<FeatureFusion>("fusion"), threshold, new FacePreprocessing(inputSize, fraction, pixels, Enum<ColorMode>("color"), alignment),
            Get("model_id"), Int("opset"),
            // Exports written before probes of any side had no srface.probe_any_side: their probe side is fixed.
            values.TryGetValue(Prefix + "probe_any_side", out var any) && any == "true", limit,
            // Exports written before it had a face input of exactly S.
            values.TryGetValue(Prefix + "face_any_side", out var anyFace) && anyFace == "true", Cosine("open_set_threshold"));
    }
}
