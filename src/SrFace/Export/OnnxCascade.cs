using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SrFace.Imaging;
using SrFace.Cascade;
using SrFace.Data;
using SrFace.Models;

namespace SrFace.Export;

/// <summary>
/// Runs a cascade exported by <see cref="CascadeOnnxExporter"/> in ONNX Runtime (CPU). Embeds files the way
/// <see cref="Recognition.FaceEmbedder"/> does: the cascade's rule (<see cref="OnnxCascadeMetadata.NeedsRestoration"/>,
/// the restoration limit the export records) sends a small face (or one degraded with <c>probeSize</c>) to the
/// <c>probe</c> input (a low-quality probe, restored) and any other to the <c>face</c> input (recogniser alone); a probe's
/// chip must then be the export's probe size unless the export takes probes of any side (<see cref="OnnxCascadeMetadata.ProbeAnySide"/>:
/// no SR model or a pre-upsampled one); a face without texture or a non-finite embedding is an error. Faces are prepared by the
/// one preprocessing stage, <see cref="FacePreparer"/>, with the framing the export records and the per-image rule of
/// <see cref="FacePreprocessing.FramingFor"/>:
/// <list type="bullet">
/// <item>a centred crop in managed code (<see cref="FacePreparer.PrepareManaged"/>): no libtorch call at all;</item>
/// <item>an aligned face (<see cref="FacePreprocessing.Alignment"/> not a centred crop: detection + 68 landmarks +
/// similarity warp) with the exported face detector beside the file (<see cref="FaceDetectorOnnxExporter.PathFor"/>,
/// <see cref="OnnxFaceDetector"/>) in ONNX Runtime too: no libtorch call either;</item>
/// <item>else, for an export written without that file, with the TorchSharp face detector given to the constructor
/// (<see cref="FacePreparer.Prepare"/>), which needs libtorch. Without either, such images are refused
/// (<see cref="NotSupportedException"/>), never cropped differently.</item>
/// </list>
/// </summary>
/// <remarks>One instance is not meant for concurrent calls from several threads (ONNX Runtime sessions are, the
/// reusable buffers here are not).</remarks>
public sealed class OnnxCascade : Recognition.IFaceEmbedder, IDisposable
{
    private readonly InferenceSession _faceSession, _probeSession;
    private readonly FacePreparer? _alignedPreparer, _onnxPreparer;
    private readonly OnnxFaceDetector? _onnxDetector;

    /// <summary>Loads an exported cascade.</summary>
    /// <param name="path">A <c>.onnx</c> file written by <c>srface export</c>.</param>
    /// <param name="threads">ONNX Runtime intra-op threads; null for the core count.</param>
    /// <param name="preprocessing">A centred crop (its fraction/pixels) to use instead of the export's framing, as
    /// <c>--crop-fraction</c> means in every command (size and colour mode stay the export's); null for the export's own.</param>
    /// <param name="detector">The face detector with 68 landmarks (TorchSharp, from the model store) that prepares the
    /// faces of an export that aligns them; not disposed here. Null to refuse such images (a centred-crop export never
    /// needs it).</param>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="InvalidDataException">When it, or the face-detector file beside an aligning export, is not a
    /// readable ONNX file of <c>srface export</c> (names the file).</exception>
    public OnnxCascade(string path, int? threads = null, FacePreprocessing? preprocessing = null, Detection.FaceDetector? detector = null)
    {
        var model = ReadModel(path);
        Metadata = MetadataOf(model, path);
        if (preprocessing is not null)
        {
            preprocessing.Validate();
            Metadata = Metadata with { Preprocessing = Metadata.Preprocessing.CentredCrop(preprocessing.CropFraction) with { CropPixels = preprocessing.CropPixels } };
            FramingGiven = true;
        }
        Path = path;
        // ONNX Runtime runs every node of a graph and wants every input fed: one session per path, each on the
        // graph pruned to that path's input and output.
        using var options = OnnxSessionSettings.Create(threads);
        _faceSession = Open(OnnxGraphPruning.Prune(model, CascadeOnnxExporter.FaceInput, CascadeOnnxExporter.FaceOutput), options, path);
        try
        {
            _probeSession = Open(OnnxGraphPruning.Prune(model, CascadeOnnxExporter.ProbeInput, CascadeOnnxExporter.ProbeOutput), options, path);
            // The exported detector beside the file comes first: it needs no libtorch.
            var faces = FaceDetectorOnnxExporter.PathFor(path);
            _onnxDetector = NeedsAlignment && File.Exists(faces) ? new OnnxFaceDetector(faces, threads) : null;
        }
        catch
        {
            _faceSession.Dispose();
            _probeSession?.Dispose();
            throw;
        }
        _onnxPreparer = _onnxDetector is not null ? new FacePreparer(Metadata.Preprocessing, _onnxDetector) : null;
        _alignedPreparer = NeedsAlignment && _onnxDetector is null && detector is not null ? new FacePreparer(Metadata.Preprocessing, detector) : null;
    }

    /// <summary>The file this runs.</summary>
    public string Path { get; }

    /// <summary>What the export says about itself (sizes, crop, threshold).</summary>
    public OnnxCascadeMetadata Metadata { get; }

    /// <inheritdoc />
    public string ModelId => Metadata.ModelId;

    /// <inheritdoc />
    public int EmbeddingDimension => Metadata.EmbeddingWidth;

    /// <inheritdoc />
    public FacePreprocessing Preprocessing => Metadata.Preprocessing;

    /// <inheritdoc />
    public string ModelName => Path;

    /// <inheritdoc />
    public double? Threshold => Metadata.Threshold;

    /// <inheritdoc />
    public double? OpenSetThreshold => Metadata.OpenSetThreshold;

    /// <summary>True when a face crop was given to the constructor (see <see cref="Recognition.FaceEmbedder.FramingGiven"/>).</summary>
    public bool FramingGiven { get; }

    /// <summary>True when the export's faces are aligned (detection + landmarks): images need the detector given to the constructor.</summary>
    public bool NeedsAlignment => Metadata.Preprocessing.Alignment != FaceAlignmentTemplate.CentredCrop;

    /// <summary>True when aligned faces can be prepared (a detector was given for an export that aligns).</summary>
    public bool CanAlign => _alignedPreparer is not null || _onnxPreparer is not null;

    /// <summary>True when faces are aligned by the exported detector in ONNX Runtime (no libtorch), false when by TorchSharp's or not at all.</summary>
    public bool AlignsInOnnxRuntime => _onnxPreparer is not null;

    /// <summary>Embeds face crops through one of the graph's two paths.</summary>
    /// <param name="faces">n faces <c>[n, C, side, side]</c> row-major, float in [0, 1].</param>
    /// <param name="count">n, at least 1.</param>
    /// <param name="side">S (sharp faces, <c>face</c> input) or the export's probe size (<c>probe</c> input; any side
    /// below S when <see cref="OnnxCascadeMetadata.ProbeAnySide"/>).</param>
    /// <param name="restore">True for the <c>probe</c> input (restoration and fusion), false for the <c>face</c> input
    /// (recogniser alone; any side up to S when <see cref="OnnxCascadeMetadata.FaceAnySide"/>); null to choose by the
    /// side: S the <c>face</c> input, any other the <c>probe</c> input.</param>
    /// <returns>n L2-normalised embeddings of <see cref="OnnxCascadeMetadata.EmbeddingWidth"/> values.</returns>
    /// <exception cref="ArgumentException">When the chosen input does not take that side, or the buffer size is wrong.</exception>
    public float[][] Embed(float[] faces, int count, int side, bool? restore = null)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var m = Metadata;
        var probe = restore ?? side != m.InputSize;
        var (session, input) = !probe && (side == m.InputSize || (m.FaceAnySide && side < m.InputSize)) ? (_faceSession, CascadeOnnxExporter.FaceInput)
            : probe && m.TakesProbe(side) ? (_probeSession, CascadeOnnxExporter.ProbeInput)
            : throw new ArgumentException($"{Path} embeds {(m.FaceAnySide ? "unrestored faces up to" : "sharp faces of")} {m.InputSize} px and probes of {m.ProbeSize} px; got a {side} px {(probe ? "probe" : "face")} (export again with --probe-size {side}).", nameof(side));
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
    /// export's framing (and the whole image when it is a tight face crop and no crop was given), as <see cref="Recognition.FaceEmbedder.EmbedFile"/>.</param>
    /// <returns>The L2-normalised embedding.</returns>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="IOException">When the file is not a readable image.</exception>
    /// <exception cref="NotSupportedException">When the image would have to be aligned and no detector was given (<see cref="CanAlign"/>).</exception>
    /// <exception cref="FaceNotFoundException">When the export aligns faces and the detector finds none.</exception>
    /// <exception cref="InvalidDataException">When the crop is too small or has no texture, a low-quality probe's side
    /// is not the export's probe size, or the graph gives a NaN or infinite embedding.</exception>
    public float[] EmbedFile(string path, int? probeSize = null, double? cropFraction = null) => EmbedFace(path, probeSize, cropFraction).Embedding;

    /// <summary>As <see cref="EmbedFile"/>, with the face the embedding came from (box, landmarks and faces found when aligned).</summary>
    /// <param name="path">JPEG, PNG or PGM file.</param>
    /// <param name="probeSize">Degrade the face crop to this side in px first; null to keep it.</param>
    /// <param name="cropFraction">This image's centred crop as a fraction of its shorter side, in (0, 1]; null for the export's framing.</param>
    /// <returns>The embedding, the chip side, the face's native side and the detected face (null for a centred crop).</returns>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="IOException">When the file is not a readable image.</exception>
    /// <exception cref="NotSupportedException">As <see cref="EmbedFile"/>.</exception>
    /// <exception cref="FaceNotFoundException">As <see cref="EmbedFile"/>.</exception>
    /// <exception cref="InvalidDataException">As <see cref="EmbedFile"/>.</exception>
    public Recognition.EmbeddedFace EmbedFace(string path, int? probeSize = null, double? cropFraction = null)
    {
        CheckSizes(probeSize, cropFraction);
        if (_alignedPreparer is null) return EmbedChip(PrepareManaged(ManagedFacePreprocessing.Read(path, Metadata.Preprocessing.Color), path, cropFraction, probeSize)[0], path, probeSize);
        using var scope = TorchSharp.torch.NewDisposeScope();
        return EmbedChip(PrepareAligned(new FaceImageReader(Metadata.Preprocessing.Color).Read(path), path, cropFraction, probeSize, allFaces: false)[0], path, probeSize);
    }

    /// <inheritdoc />
    public Recognition.EmbeddedFace[] EmbedFaces(IReadOnlyList<string> paths, int? probeSize = null, int batchSize = 32, Action<int>? progress = null, double? cropFraction = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var result = new Recognition.EmbeddedFace[paths.Count];
        for (var i = 0; i < paths.Count; i++)
        {
            result[i] = EmbedFace(paths[i], probeSize, cropFraction);
            if ((i + 1) % batchSize == 0 || i + 1 == paths.Count) progress?.Invoke(i + 1);
        }
        return result;
    }

    /// <inheritdoc />
    public Recognition.EmbeddedFace[] EmbedAllFaces(string path, int? probeSize = null)
    {
        CheckSizes(probeSize, null);
        var chips = _alignedPreparer is null
            ? PrepareManaged(ManagedFacePreprocessing.Read(path, Metadata.Preprocessing.Color), path, null, probeSize, allFaces: true)   // no libtorch call
            : PrepareAlignedFile(path, probeSize);
        return chips.Select((chip, i) => EmbedChip(chip, chips.Length == 1 ? path : $"{path} (face {i + 1} of {chips.Length})", probeSize)).ToArray();
    }

    /// <inheritdoc />
    public Recognition.EmbeddedFace EmbedImageFace(TorchSharp.torch.Tensor image, string source, int? probeSize = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckSizes(probeSize, null);
        if (_alignedPreparer is null)   // the managed path: one copy of the pixels, then the planar overload
            return EmbedImageFace(new PlanarImage(image.contiguous().data<float>().ToArray(), (int)image.shape[0], (int)image.shape[1], (int)image.shape[2]), source, probeSize);
        return EmbedChip(PrepareAligned(image, source, null, probeSize, allFaces: false)[0], source, probeSize);
    }

    /// <summary>
    /// As <see cref="EmbedImageFace(TorchSharp.torch.Tensor, string, int?)"/> on an image in managed planes
    /// (<see cref="ManagedFacePreprocessing.Decode"/>): no libtorch call unless the export aligns faces and its detector
    /// file was missing (<see cref="NeedsTorch"/>).
    /// </summary>
    /// <param name="image">The image in <see cref="Preprocessing"/>'s colour mode, upright.</param>
    /// <param name="source">Name of the image for messages.</param>
    /// <param name="probeSize">Degrade the face to this side in px first; null to keep it.</param>
    /// <returns>The embedding and the face it came from.</returns>
    /// <exception cref="FaceNotFoundException">When the export aligns faces and the image shows none.</exception>
    /// <exception cref="InvalidDataException">As <see cref="EmbedFile"/>.</exception>
    public Recognition.EmbeddedFace EmbedImageFace(PlanarImage image, string source, int? probeSize = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckSizes(probeSize, null);
        if (_alignedPreparer is null) return EmbedChip(PrepareManaged(image, source, null, probeSize)[0], source, probeSize);
        using var scope = TorchSharp.torch.NewDisposeScope();   // TorchSharp's detector: the tensor overload
        return EmbedImageFace(TorchSharp.torch.tensor(image.Pixels, [image.Channels, image.Height, image.Width]), source, probeSize);
    }

    /// <summary>True when this export prepares faces with TorchSharp's detector (an aligning export whose
    /// <c>.faces.onnx</c> file was missing): then libtorch is needed after all.</summary>
    public bool NeedsTorch => _alignedPreparer is not null;

    private void CheckSizes(int? probeSize, double? cropFraction)
    {
        FaceRecognitionCascade.CheckProbeSize(probeSize, Metadata.InputSize);
        if (cropFraction is { } f && !(f > 0 && f <= 1)) throw new ArgumentOutOfRangeException(nameof(cropFraction), cropFraction, "A crop fraction lies in (0, 1].");
    }

    /// <summary>The chip side for a face of a given native side in px: at most S, degraded to <paramref name="probeSize"/> when given.</summary>
    private Func<int, int> SideFor(int? probeSize) => native => Math.Max(1, Math.Min(probeSize ?? native, Metadata.InputSize));

    /// <summary>Checks a prepared chip as <see cref="Recognition.FaceEmbedder"/> does and embeds it through the path the cascade's decision chooses.</summary>
    private Recognition.EmbeddedFace EmbedChip(Chip face, string path, int? probeSize)
    {
        var m = Metadata;
        var target = face.Side;
        if (target < FaceRecognitionCascade.MinimumFaceSide)
            throw new InvalidDataException($"{path}: the face is {target}x{target} pixels; at least {FaceRecognitionCascade.MinimumFaceSide}x{FaceRecognitionCascade.MinimumFaceSide} are needed to recognise a face.");
        // The checks of FaceEmbedder in its order (size, texture), then what only an export limits.
        Recognition.FaceEmbedder.RequireTexture(face.Pixels, path);
        // The cascade's decision, by its rule and the limit the export records (FaceRecognitionCascade.NeedsRestoration).
        // A restored face at S is its own restoration (the face input gives that embedding); an export older than
        // srface.face_any_side takes no face below S on its face input, so such a face goes through its probe input.
        var faceSide = Recognition.FaceEmbedder.FaceSideInPhoto(face.Face, face.NativeSide, probeSize);
        var restore = m.NeedsRestoration(faceSide, face.Framing);
        var probePath = target < m.InputSize && (restore || !m.FaceAnySide);
        if (probePath && !m.TakesProbe(target))
            throw new InvalidDataException($"{path}: the face crop is a {target}x{target} probe, but {Path} was exported for {m.ProbeSize} px probes; pass --probe-size {m.ProbeSize} or export again with --probe-size {target}.");
        if (face.Pixels.Length != m.Channels * target * target)
            throw new InvalidDataException($"{path}: has {face.Pixels.Length / (target * target)} channels, the model takes {m.Channels}.");
        var embedding = Embed(face.Pixels, 1, target, probePath)[0];
        if (!embedding.All(float.IsFinite))
            throw new InvalidDataException($"{Path}: gives a NaN or infinite embedding for {path} (damaged or diverged weights); no similarity can be computed.");
        return new Recognition.EmbeddedFace(embedding, target, face.NativeSide, face.Face, face.FacesFound, restore || (probePath && m.Restores), faceSide);
    }

    /// <summary>A face chip as managed values <c>[C, side, side]</c> and what the preparation found.</summary>
    private sealed record Chip(float[] Pixels, int Side, int NativeSide, Detection.DetectedFace? Face, int FacesFound, FaceAlignmentTemplate Framing);

    /// <summary>
    /// A centred crop, or the face(s) aligned by the exported detector, in managed code and ONNX Runtime: no libtorch
    /// call (an aligning export without a detector is refused).
    /// </summary>
    private Chip[] PrepareManaged(PlanarImage image, string path, double? cropFraction, int? probeSize, bool allFaces = false)
    {
        var framing = Metadata.Preprocessing.FramingFor(image.Height, image.Width, cropFraction, FramingGiven);
        if (framing.Alignment != FaceAlignmentTemplate.CentredCrop && _onnxPreparer is null)
            throw new NotSupportedException($"{Path}: the model aligns faces ({framing.Alignment}: detection + 68 landmarks) and no face detector was loaded; " +
                $"{path} would be cropped differently from the model's training. Load the detector from the model store (the CLI does), or pass a crop fraction for images that are face crops already.");
        var preparer = framing == Metadata.Preprocessing && _onnxPreparer is not null ? _onnxPreparer : new FacePreparer(framing);
        var faces = allFaces ? preparer.PrepareAllManaged(image, path, SideFor(probeSize)) : [preparer.PrepareManaged(image, path, SideFor(probeSize))];
        return faces.Select(f => new Chip(f.Chip.Pixels, f.Chip.Height, f.NativeSide, f.Face, f.FacesFound, framing.Alignment)).ToArray();
    }

    /// <summary>Every face of an image file through the TorchSharp stage (the image tensor disposed here).</summary>
    private Chip[] PrepareAlignedFile(string path, int? probeSize)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        return PrepareAligned(new FaceImageReader(Metadata.Preprocessing.Color).Read(path), path, null, probeSize, allFaces: true);
    }

    /// <summary>
    /// The TorchSharp preprocessing stage with the detector, exactly as <see cref="Recognition.FaceEmbedder"/> runs it
    /// (same framing rule and <see cref="FacePreparer.Prepare"/>): the largest face aligned, or every face.
    /// </summary>
    private Chip[] PrepareAligned(TorchSharp.torch.Tensor image, string path, double? cropFraction, int? probeSize, bool allFaces)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var framing = Metadata.Preprocessing.FramingFor((int)image.shape[1], (int)image.shape[2], cropFraction, FramingGiven);
        var preparer = framing == Metadata.Preprocessing ? _alignedPreparer! : new FacePreparer(framing);
        var prepared = allFaces ? preparer.PrepareAll(image, path, SideFor(probeSize)) : [preparer.Prepare(image, path, SideFor(probeSize))];
        return prepared.Select(p => new Chip(p.Chip.contiguous().data<float>().ToArray(), (int)p.Chip.shape[1], p.NativeSide, p.Face, p.FacesFound, framing.Alignment)).ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _faceSession.Dispose();
        _probeSession.Dispose();
        _onnxDetector?.Dispose();
    }

    /// <summary>What an exported file says about itself (framing, sizes, threshold), without opening ONNX Runtime sessions.</summary>
    /// <param name="path">A <c>.onnx</c> file written by <c>srface export</c>.</param>
    /// <returns>The export's metadata, e.g. to see whether its faces are aligned before loading a detector.</returns>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="InvalidDataException">When it is not a readable ONNX file or not an SrFace export (names the file).</exception>
    public static OnnxCascadeMetadata ReadMetadata(string path) => MetadataOf(ReadModel(path), path);

    internal static Onnx.ModelProto ReadModel(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model not found: {path}", path);
        try
        {
            using var stream = File.OpenRead(path);
            return Onnx.ModelProto.Parser.ParseFrom(stream);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{path}: not an ONNX model ({e.Message}).", e);
        }
    }

    private static OnnxCascadeMetadata MetadataOf(Onnx.ModelProto model, string path) =>
        OnnxCascadeMetadata.FromDictionary(model.MetadataProps.ToDictionary(p => p.Key, p => p.Value), path);

    internal static InferenceSession Open(Onnx.ModelProto model, SessionOptions options, string path)
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
