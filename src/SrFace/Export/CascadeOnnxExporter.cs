using System.Globalization;
using Google.Protobuf;
using SrFace.Cascade;
using SrFace.Recognition;
using SrFace.Training;

namespace SrFace.Export;

/// <summary>
/// Writes a <see cref="FaceRecognitionCascade"/> as one ONNX graph (opset <see cref="OnnxGraphBuilder.Opset"/>,
/// float32, dynamic batch) for one probe size p, with two inputs and two outputs:
/// <list type="bullet">
/// <item><c>probe</c> <c>[batch, C, p, p]</c> in [0, 1] -> <c>embedding</c> <c>[batch, D']</c> (<c>[batch, C, h, h]</c> for
/// any h &lt; S when the cascade has no SR model or a pre-upsampled one, see <see cref="OnnxCascadeMetadata.ProbeAnySide"/>): what
/// <see cref="FaceRecognitionCascade.EmbedLowResolution(TorchSharp.torch.Tensor)"/> computes for p &lt; S (bicubic resize to S/s, or to S
/// for a pre-upsampled SR model such as vdsr, SR, clamp,
/// recogniser on the restored face and on the bicubic-upsampled probe, fusion), and what
/// <see cref="FaceEmbedder"/> computes for a sharp face when p &gt;= S.</item>
/// <item><c>face</c> <c>[batch, C, h, h]</c>, h &lt;= S, in [0, 1] -> <c>face_embedding</c> <c>[batch, D']</c>: the path of
/// a face the cascade does not restore (<see cref="FaceRecognitionCascade.NeedsRestoration"/>, e.g. every sharp gallery
/// face), bicubic-upsampled to S and through the recogniser only (written as [e, e] / sqrt 2 under concatenation).</item>
/// </list>
/// D' = 2D under <see cref="FeatureFusion.Concatenate"/>, D otherwise. The model's metadata carries what a runtime
/// needs besides the graph (<see cref="OnnxCascadeMetadata"/>): sizes, face crop, colour mode, fusion, threshold, restoration limit.
/// </summary>
public static class CascadeOnnxExporter
{
    /// <summary>Name of the low-resolution probe input.</summary>
    public const string ProbeInput = "probe";

    /// <summary>Name of the fused probe embedding output.</summary>
    public const string ProbeOutput = "embedding";

    /// <summary>Name of the sharp-face input (recogniser input size).</summary>
    public const string FaceInput = "face";

    /// <summary>Name of the sharp-face embedding output.</summary>
    public const string FaceOutput = "face_embedding";

    /// <summary>Builds the ONNX model of <paramref name="cascade"/> for probes of <paramref name="probeSize"/> pixels.</summary>
    /// <param name="cascade">A loaded cascade (its SR model and recogniser must have ONNX mappings).</param>
    /// <param name="probeSize">Probe side p in pixels, at least <see cref="FaceRecognitionCascade.MinimumFaceSide"/>.</param>
    /// <param name="mappings">Layer mappings; null for <see cref="OnnxLayerMappings.Default"/>.</param>
    /// <returns>The model, ready to serialise.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When the probe size is below the minimum face side.</exception>
    /// <exception cref="NotSupportedException">When a model of the cascade has no ONNX mapping (the message names it).</exception>
    public static Onnx.ModelProto Build(FaceRecognitionCascade cascade, int probeSize, OnnxLayerMappings? mappings = null)
    {
        ArgumentNullException.ThrowIfNull(cascade);
        if (probeSize < FaceRecognitionCascade.MinimumFaceSide)
            throw new ArgumentOutOfRangeException(nameof(probeSize), probeSize, $"A probe is at least {FaceRecognitionCascade.MinimumFaceSide} pixels wide.");
        var g = new OnnxGraphBuilder($"srface-cascade-p{probeSize}", mappings);
        var s = cascade.InputSize;
        var c = cascade.Recognizer.Channels;
        var concatenate = cascade.SuperResolution is not null && cascade.Manifest.Fusion == FeatureFusion.Concatenate;
        var width = concatenate ? 2 * cascade.EmbeddingSize : cascade.EmbeddingSize;

        // Faces the cascade does not restore: recogniser on [N, C, h, h], h <= S bicubic-upsampled to S as
        // FaceRecognitionCascade.Embed does (an identity at h = S), so the runtime can follow NeedsRestoration.
        var face = g.Input(FaceInput, [null, c, null, null], sideName: "face_side");
        g.Output(Duplicated(g, g.Emit(cascade.Recognizer, g.ClampUnit(g.Resize(face, s, s))), concatenate), FaceOutput, [null, width]);

        // Without SR, or with a pre-upsampled SR model, the low-resolution path starts by upsampling to S: any side below S.
        var anySide = probeSize < s && (cascade.SuperResolution is null || cascade.SuperResolution.PreUpsampled);
        var probe = anySide ? g.Input(ProbeInput, [null, c, null, null], sideName: "probe_side") : g.Input(ProbeInput, [null, c, probeSize, probeSize]);
        OnnxValue embedding;
        if (probeSize >= s)
        {
            // A sharp probe: one antialiased resize to S (FaceEmbedder's sharp path).
            var resized = probeSize == s ? probe : g.ClampUnit(g.ResizeAntialiased(probe, probeSize, probeSize, s, s));
            embedding = Duplicated(g, g.Emit(cascade.Recognizer, resized), concatenate);
        }
        else
        {
            embedding = LowResolution(g, cascade, probe, probeSize);
        }
        g.Output(embedding, ProbeOutput, [null, width]);

        var metadata = new OnnxCascadeMetadata(probeSize, s, c, width, cascade.Manifest.Scale,
            cascade.SuperResolution is null ? FeatureFusion.ProbeOnly : cascade.Manifest.Fusion, cascade.Threshold,
            cascade.Preprocessing, FaceEmbedder.ModelIdOf(cascade), OnnxGraphBuilder.Opset, anySide, cascade.RestorationLimit, FaceAnySide: true, cascade.OpenSetThreshold);
        return g.ToModel(metadata.ToDictionary());
    }

    /// <summary>Writes the ONNX model of <paramref name="cascade"/> to <paramref name="path"/> (atomically).</summary>
    /// <param name="cascade">A loaded cascade.</param>
    /// <param name="probeSize">Probe side p in pixels.</param>
    /// <param name="path">Target file (conventionally <c>*.onnx</c>).</param>
    /// <returns>The metadata written with the graph.</returns>
    /// <exception cref="ArgumentOutOfRangeException">When the probe size is below the minimum face side.</exception>
    /// <exception cref="NotSupportedException">When a model of the cascade has no ONNX mapping.</exception>
    /// <exception cref="IOException">When the file cannot be written.</exception>
    public static OnnxCascadeMetadata Export(FaceRecognitionCascade cascade, int probeSize, string path)
    {
        var model = Build(cascade, probeSize);
        AtomicFile.Write(path, stream => model.WriteTo(stream));
        return OnnxCascadeMetadata.FromDictionary(model.MetadataProps.ToDictionary(p => p.Key, p => p.Value), path);
    }

    /// <summary>The low-resolution path of <see cref="FaceRecognitionCascade.EmbedLowResolution(TorchSharp.torch.Tensor)"/> for p &lt; S.</summary>
    private static OnnxValue LowResolution(OnnxGraphBuilder g, FaceRecognitionCascade cascade, OnnxValue probe, int p)
    {
        var s = cascade.InputSize;
        // Bicubic upsampling to S (FaceDegradation.Upsample: no antialiasing when enlarging, clamped).
        var upsampled = g.ClampUnit(g.Resize(probe, s, s));
        if (cascade.SuperResolution is not { } sr) return g.Emit(cascade.Recognizer, upsampled);

        // A pre-upsampled SR model (vdsr) restores the upsampled probe at S; one with a scale s gets floor(S/s) px.
        var lrSide = sr.PreUpsampled ? s : cascade.LowResolutionSize;
        var lr = sr.PreUpsampled ? upsampled
            : p == lrSide ? probe
            : g.ClampUnit(p > lrSide ? g.ResizeAntialiased(probe, p, p, lrSide, lrSide) : g.Resize(probe, lrSide, lrSide));
        var restored = g.ClampUnit(g.Emit(sr, lr));
        var restoredSide = sr.PreUpsampled ? s : lrSide * sr.Scale;
        if (restoredSide != s)
            restored = g.ClampUnit(restoredSide > s ? g.ResizeAntialiased(restored, restoredSide, restoredSide, s, s) : g.Resize(restored, s, s));

        var fusion = cascade.Manifest.Fusion;
        if (fusion == FeatureFusion.ProbeOnly) return g.Emit(cascade.Recognizer, upsampled);
        if (fusion == FeatureFusion.RestoredOnly) return g.Emit(cascade.Recognizer, restored);
        // One recogniser pass over [upsampled; restored] (2N faces), split back into the two halves.
        var both = g.Node("Concat", [upsampled.Name, restored.Name], 4, ("axis", 0L));
        var halves = g.Nodes("Split", [g.Emit(cascade.Recognizer, both).Name], 2, 2, ("axis", 0L), ("num_outputs", 2L));
        if (fusion == FeatureFusion.Mean)
            return g.L2Normalise(g.Node("Add", [halves[0].Name, halves[1].Name], 2));
        var joined = g.Node("Concat", [halves[0].Name, halves[1].Name], 2, ("axis", 1L));
        return g.Node("Mul", [joined.Name, g.Constant("inv_sqrt2", [(float)(1 / Math.Sqrt(2))])], 2);
    }

    /// <summary>[e, e] / sqrt(2) under concatenation (a sharp face in the 2D-wide space), e otherwise.</summary>
    private static OnnxValue Duplicated(OnnxGraphBuilder g, OnnxValue e, bool concatenate)
    {
        if (!concatenate) return e;
        var joined = g.Node("Concat", [e.Name, e.Name], 2, ("axis", 1L));
        return g.Node("Mul", [joined.Name, g.Constant("inv_sqrt2", [(float)(1 / Math.Sqrt(2))])], 2);
    }
}
