using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SrFace.Imaging;
using SrFace.Cascade;
using SrFace.Data;
using SrFace.Models;

namespace SrFace.Export;

/// <summary>
/// Runs a cascade exported by <see cref="CascadeOnnxExporter"/> in ONNX Runtime (CPU), with no libtorch call:
/// images are decoded, framed and resized in managed code (<see cref="FacePreparer.PrepareManaged"/>, with the
/// framing the export records and the per-image rule of <see cref="FacePreprocessing.FramingFor"/>) and embedded by
/// the graph. Embeds files the way <see cref="Recognition.FaceEmbedder"/> does: a face crop at least S px wide is a
/// sharp face (the <c>face</c> input), a smaller one (or one degraded with <c>probeSize</c>) a low-quality probe (the
/// <c>probe</c> input), which must then be the export's probe size; a face without texture or a non-finite embedding
/// is an error. A model that aligns faces (<see cref="FacePreprocessing.Alignment"/> not a centred crop) needs face
/// detection and landmarks, which run in libtorch only: such images are refused (<see cref="NotSupportedException"/>),
/// never cropped differently.
/// </summary>
/// <remarks>One instance is not meant for concurrent calls from several threads (ONNX Runtime sessions are, the
/// reusable buffers here are not).</remarks>
public sealed class OnnxCascade : IDisposable
{
    private readonly InferenceSession _faceSession, _probeSession;

    /// <summary>Loads an exported cascade.</summary>
    /// <param name="path">A <c>.onnx</c> file written by <c>srface export</c>.</param>
    /// <param name="threads">ONNX Runtime intra-op threads; null for the core count.</param>
    /// <param name="preprocessing">Face crop fraction/pixels to use instead of the export's (size, colour mode and
    /// alignment are the export's, as <see cref="Recognition.FaceEmbedder"/> keeps the cascade's); null for the export's own.</param>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="InvalidDataException">When it is not a readable ONNX file or not an SrFace export (names the file).</exception>
    public OnnxCascade(string path, int? threads = null, FacePreprocessing? preprocessing = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model not found: {path}", path);
        Onnx.ModelProto model;
        try
        {
            using var stream = File.OpenRead(path);
            model = Onnx.ModelProto.Parser.ParseFrom(stream);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{path}: not an ONNX model ({e.Message}).", e);
        }
        Metadata = OnnxCascadeMetadata.FromDictionary(model.MetadataProps.ToDictionary(p => p.Key, p => p.Value), path);
        if (preprocessing is not null)
        {
            preprocessing.Validate();
            Metadata = Metadata with { Preprocessing = Metadata.Preprocessing with { CropFraction = preprocessing.CropFraction, CropPixels = preprocessing.CropPixels } };
            FramingGiven = true;
        }
        Path = path;
        // ONNX Runtime runs every node of a graph and wants every input fed: one session per path, each on the
        // graph pruned to that path's input and output.
        using var options = new SessionOptions { IntraOpNumThreads = threads ?? Environment.ProcessorCount, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        _faceSession = Open(OnnxGraphPruning.Prune(model, CascadeOnnxExporter.FaceInput, CascadeOnnxExporter.FaceOutput), options, path);
        try
        {
            _probeSession = Open(OnnxGraphPruning.Prune(model, CascadeOnnxExporter.ProbeInput, CascadeOnnxExporter.ProbeOutput), options, path);
        }
        catch
        {
            _faceSession.Dispose();
            throw;
        }
    }

    /// <summary>The file this runs.</summary>
    public string Path { get; }

    /// <summary>What the export says about itself (sizes, crop, threshold).</summary>
    public OnnxCascadeMetadata Metadata { get; }

    /// <summary>True when a face crop was given to the constructor (see <see cref="Recognition.FaceEmbedder.FramingGiven"/>).</summary>
    public bool FramingGiven { get; }

    /// <summary>True when the export's faces are aligned (detection + landmarks), which this runtime cannot do.</summary>
    public bool NeedsAlignment => Metadata.Preprocessing.Alignment != FaceAlignmentTemplate.CentredCrop;

    /// <summary>Embeds face crops through one of the graph's two paths.</summary>
    /// <param name="faces">n faces <c>[n, C, side, side]</c> row-major, float in [0, 1].</param>
    /// <param name="count">n, at least 1.</param>
    /// <param name="side">S (sharp faces, <c>face</c> input) or the export's probe size (<c>probe</c> input).</param>
    /// <returns>n L2-normalised embeddings of <see cref="OnnxCascadeMetadata.EmbeddingWidth"/> values.</returns>
    /// <exception cref="ArgumentException">When the side is neither S nor the probe size, or the buffer size is wrong.</exception>
    public float[][] Embed(float[] faces, int count, int side)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var m = Metadata;
        var (session, input) = side == m.InputSize ? (_faceSession, CascadeOnnxExporter.FaceInput)
            : side == m.ProbeSize ? (_probeSession, CascadeOnnxExporter.ProbeInput)
            : throw new ArgumentException($"{Path} embeds sharp faces of {m.InputSize} px and probes of {m.ProbeSize} px; got {side} px (export again with --probe-size {side}).", nameof(side));
        if (faces.Length != count * m.Channels * side * side)
            throw new ArgumentException($"Expected {count} x {m.Channels} x {side} x {side} values; got {faces.Length}.", nameof(faces));
        var feeds = new[] { NamedOnnxValue.CreateFromTensor(input, new DenseTensor<float>(faces, [count, m.Channels, side, side])) };
        using var results = session.Run(feeds);
        var values = results[0].AsTensor<float>().ToArray();
        var width = values.Length / count;
        return Enumerable.Range(0, count).Select(i => values[(i * width)..((i + 1) * width)]).ToArray();
    }

    /// <summary>Embeds one image file (see the class summary for which path it takes).</summary>
    /// <param name="path">JPEG, PNG or PGM file.</param>
    /// <param name="probeSize">Degrade the face crop to this side in px (antialiased bicubic) first; null to keep it.</param>
    /// <param name="cropFraction">This image's face crop as a fraction of its shorter side, in (0, 1]; null for the
    /// export's framing (and the whole image when it is smaller than S and no crop was given), as <see cref="Recognition.FaceEmbedder.EmbedFile"/>.</param>
    /// <returns>The L2-normalised embedding.</returns>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="IOException">When the file is not a readable image.</exception>
    /// <exception cref="NotSupportedException">When the image would have to be aligned (<see cref="NeedsAlignment"/>).</exception>
    /// <exception cref="InvalidDataException">When the crop is too small or has no texture, a low-quality probe's side
    /// is not the export's probe size, or the graph gives a NaN or infinite embedding.</exception>
    public float[] EmbedFile(string path, int? probeSize = null, double? cropFraction = null)
    {
        if (probeSize is < 1) throw new ArgumentOutOfRangeException(nameof(probeSize), probeSize, "A probe size is at least 1 pixel.");
        if (cropFraction is { } f && !(f > 0 && f <= 1)) throw new ArgumentOutOfRangeException(nameof(cropFraction), cropFraction, "A crop fraction lies in (0, 1].");
        var m = Metadata;
        var image = ManagedFacePreprocessing.Read(path, m.Preprocessing.Color);
        var framing = m.Preprocessing.FramingFor(image.Height, image.Width, cropFraction, FramingGiven);
        if (framing.Alignment != FaceAlignmentTemplate.CentredCrop)
            throw new NotSupportedException($"{Path}: the model aligns faces ({framing.Alignment}: detection + 68 landmarks), which ONNX Runtime cannot do here; " +
                $"{path} would be cropped differently from the model's training. Use --runtime torch, or pass a crop fraction for images that are face crops already.");
        var (face, _) = new FacePreparer(framing).PrepareManaged(image, path, native => Math.Max(1, Math.Min(probeSize ?? native, m.InputSize)));
        var target = face.Height;
        if (target < FaceRecognitionCascade.MinimumFaceSide)
            throw new InvalidDataException($"{path}: the face is {target}x{target} pixels; at least {FaceRecognitionCascade.MinimumFaceSide}x{FaceRecognitionCascade.MinimumFaceSide} are needed to recognise a face.");
        // The checks of FaceEmbedder in its order (size, texture), then what only an export limits.
        Recognition.FaceEmbedder.RequireTexture(face.Pixels, path);
        if (target < m.InputSize && target != m.ProbeSize)
            throw new InvalidDataException($"{path}: the face crop is a {target}x{target} probe, but {Path} was exported for {m.ProbeSize} px probes; pass --probe-size {m.ProbeSize} or export again with --probe-size {target}.");
        if (face.Channels != m.Channels)
            throw new InvalidDataException($"{path}: has {face.Channels} channels, the model takes {m.Channels}.");
        var embedding = Embed(face.Pixels, 1, target)[0];
        if (!embedding.All(float.IsFinite))
            throw new InvalidDataException($"{Path}: gives a NaN or infinite embedding for {path} (damaged or diverged weights); no similarity can be computed.");
        return embedding;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _faceSession.Dispose();
        _probeSession.Dispose();
    }

    private static InferenceSession Open(Onnx.ModelProto model, SessionOptions options, string path)
    {
        try
        {
            return new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(model), options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{path}: ONNX Runtime cannot load it ({e.Message.Split('\n')[0]}).", e);
        }
    }
}
