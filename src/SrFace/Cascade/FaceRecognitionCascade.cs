using SrFace.Data;
using SrFace.Degradation;
using SrFace.IO;
using SrFace.Models;
using SrFace.Models.Recognition;
using SrFace.Models.SuperResolution;
using SrFace.Runtime;
using SrFace.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SrFace.Cascade;

/// <summary>
/// The image recognition model of the method: the trained SR model (without its loss) cascaded into the trained
/// recogniser (METHOD.md step 10), with the face preprocessing and the calibrated verification threshold, saved and
/// loaded as one file. Inference (METHOD.md step 12): restore the probe, embed the probe (bicubic-upsampled to the
/// recogniser's input) and the restored image, and fuse the two embeddings.
/// </summary>
/// <remarks>
/// A cascade without an SR model is a plain recogniser (the HR-only baseline); its low-resolution path is then
/// bicubic upsampling alone. All embedding methods run in <c>eval()</c> mode under no-grad and return float32
/// L2-normalised embeddings that survive the caller's dispose scope.
/// </remarks>
public sealed class FaceRecognitionCascade : IDisposable
{
    /// <summary>The artefact kind in the manifest.</summary>
    public const string Kind = "srface-cascade";

    /// <summary>The format version this build writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>
    /// The smallest face side in pixels SrFace accepts as a probe (the x16 probe of a 64 px model); smaller crops carry
    /// no identity and would give meaningless similarities.
    /// </summary>
    public const int MinimumFaceSide = 4;

    /// <summary>Conventional file extension of cascade files.</summary>
    public const string Extension = ".srface";

    private FacePreparer? _preparer;

    private FaceRecognitionCascade(CascadeManifest manifest, SuperResolutionModel? sr, FaceRecognizer recognizer)
    {
        Manifest = manifest;
        SuperResolution = sr;
        Recognizer = recognizer;
        SuperResolution?.eval();
        Recognizer.eval();
    }

    /// <summary>The file this cascade was loaded from (for error messages), or null when it was built in memory.</summary>
    public string? SourcePath { get; private set; }

    /// <summary>The manifest (names, configurations, preprocessing, threshold).</summary>
    public CascadeManifest Manifest { get; private set; }

    /// <summary>The SR model, or null for a recogniser-only model.</summary>
    public SuperResolutionModel? SuperResolution { get; }

    /// <summary>The recogniser.</summary>
    public FaceRecognizer Recognizer { get; }

    /// <summary>Recogniser input side S in pixels.</summary>
    public int InputSize => Recognizer.InputSize;

    /// <summary>Side in pixels of the SR model's nominal input, floor(S / scale) (the scale trained for; a pre-upsampled
    /// SR model takes any size).</summary>
    public int LowResolutionSize => InputSize / Manifest.Scale;

    /// <summary>
    /// The recogniser's embedding width D. <see cref="EmbedLowResolution(Tensor)"/> returns 2D-wide embeddings under
    /// <see cref="FeatureFusion.Concatenate"/>; <see cref="Recognition.FaceEmbedder.EmbeddingDimension"/> is the width a
    /// gallery stores.
    /// </summary>
    public int EmbeddingSize => Recognizer.EmbeddingSize;

    /// <summary>Face framing (centred crop or alignment template) and input size of this model.</summary>
    public FacePreprocessing Preprocessing => Manifest.Preprocessing;

    /// <summary>The face detector (with 68 landmarks) used when <see cref="Preprocessing"/> aligns faces; null otherwise. Disposed with the cascade.</summary>
    public Detection.FaceDetector? Detector { get; private set; }

    /// <summary>
    /// The preprocessing stage of this model (<see cref="FacePreparer"/>): the first step of every path that embeds
    /// image files (CLI, evaluation, server).
    /// </summary>
    /// <exception cref="InvalidOperationException">When the model aligns faces and no detector was loaded (see <see cref="Load"/>).</exception>
    public FacePreparer Preparer => _preparer ??= Preprocessing.Alignment == FaceAlignmentTemplate.CentredCrop || Detector is not null
        ? new FacePreparer(Preprocessing, Detector)
        : throw new InvalidOperationException($"This model aligns faces ({Preprocessing.Alignment}): load it with the model store, which holds the face detector.");

    /// <summary>Calibrated cosine threshold (same person when similarity &gt;= threshold), or null.</summary>
    public double? Threshold => Manifest.Threshold;

    /// <summary>Compute precision of both models at inference (float32 by default).</summary>
    public ComputePrecision Precision
    {
        get => Recognizer.Precision;
        set { Recognizer.Precision = value; if (SuperResolution is not null) SuperResolution.Precision = value; }
    }

    /// <summary>METHOD.md step 10: builds the cascade from a trainer's models (they are copied, the trainer keeps its own).</summary>
    /// <param name="trainer">A trained joint (or recogniser-only) trainer.</param>
    /// <param name="preprocessing">The face crop the training data used.</param>
    /// <param name="fusion">Embedding fusion.</param>
    /// <param name="threshold">Calibrated threshold, if known.</param>
    /// <returns>A new cascade with copies of the trained weights.</returns>
    public static FaceRecognitionCascade FromTrainer(JointTrainer trainer, FacePreprocessing preprocessing, FeatureFusion fusion = FeatureFusion.Mean, double? threshold = null)
    {
        var o = trainer.Options;
        var manifest = new CascadeManifest(Kind, FormatVersion,
            o.Mode == TrainingMode.Joint ? o.SuperResolutionModel : null,
            o.Mode == TrainingMode.Joint ? new SrModelConfig(o.Degradation.Scale, o.Channels, o.SuperResolutionWidth, o.SuperResolutionBlocks, o.SuperResolutionResidual) : null,
            o.Recognizer, new RecognizerConfig(o.InputSize, o.Channels, o.EmbeddingSize, o.RecognizerWidth),
            preprocessing with { Size = o.InputSize }, o.Degradation.Scale, fusion, threshold,
            o.Mode == TrainingMode.Joint
                ? $"Joint: {o.SuperResolutionModel} {(o.ScaleRange is { } r ? $"x{r.Min:0.##}..x{r.Max:0.##}" : $"x{o.Degradation.Scale}")} + {o.Recognizer}{(o.PretrainedRecognizer ? " fine-tuned from pretrained" : "")} (w={o.RecognizerWidth}, D={o.EmbeddingSize}, S={o.InputSize}), lambda={o.IdentityWeight}, kd={o.DistillationWeight}, frozen stages={o.FrozenRecognizerStages}, {o.Stop.MaxIterations} iterations, seed={o.Seed}"
                : $"HR-only baseline: {o.Recognizer} (w={o.RecognizerWidth}, D={o.EmbeddingSize}, S={o.InputSize}), {o.Stop.MaxIterations} iterations, seed={o.Seed}");
        var cascade = Build(manifest);
        CopyWeights(trainer.Recognizer, cascade.Recognizer);
        if (trainer.SuperResolution is not null) CopyWeights(trainer.SuperResolution, cascade.SuperResolution!);
        return cascade;
    }

    /// <summary>
    /// The pretrained recogniser <paramref name="recognizer"/> as a cascade without SR (low-resolution probes are
    /// bicubic-upsampled): the catalogue entry's input size, face alignment (detector from the model store) and
    /// DevTrain-calibrated threshold, or with <paramref name="centredCrop"/> the entry's centred crop for pre-aligned
    /// images; weights from the model store. This is SrFace's default model before any fine-tuning.
    /// </summary>
    /// <param name="recognizer">A catalogue recogniser with <see cref="RecognizerEntry.Pretrained"/> weights, e.g. "dlib-resnet".</param>
    /// <param name="store">The model store.</param>
    /// <param name="centredCrop">Frame faces by the entry's centred crop instead of detection + alignment.</param>
    /// <returns>The cascade, in eval mode, float32.</returns>
    /// <exception cref="ArgumentException">When the name is unknown or has no pretrained weights.</exception>
    /// <exception cref="Models.Pretrained.ModelStoreException">When a weights file is missing or damaged.</exception>
    public static FaceRecognitionCascade FromPretrained(string recognizer, Models.Pretrained.ModelStore store, bool centredCrop = false)
    {
        var entry = ModelCatalog.Recognizers.TryGetValue(recognizer, out var e) ? e
            : throw new ArgumentException($"Unknown recogniser '{recognizer}'; known: {string.Join(", ", ModelCatalog.Recognizers.Keys)}.", nameof(recognizer));
        var model = ModelCatalog.CreatePretrainedRecognizer(entry.Name, store);
        var alignment = centredCrop ? FaceAlignmentTemplate.CentredCrop : entry.Alignment;
        var manifest = new CascadeManifest(Kind, FormatVersion, null, null, entry.Name, new RecognizerConfig(entry.InputSize),
            new FacePreprocessing(entry.InputSize, entry.CentredCropFraction, Alignment: alignment), 1, FeatureFusion.ProbeOnly,
            alignment == FaceAlignmentTemplate.CentredCrop ? entry.CalibratedCropThreshold : entry.CalibratedThreshold,
            $"Pretrained {entry.Name} ({entry.Pretrained}), unmodified; no SR model");
        var cascade = new FaceRecognitionCascade(manifest, null, model);
        cascade.LoadDetector(store);
        return cascade;
    }

    /// <summary>
    /// Opens what a user names as "the model": an existing cascade file (<see cref="Load"/>), else a catalogue recogniser
    /// with pretrained weights built from the model store (<see cref="FromPretrained"/>). The CLI and the server both
    /// resolve <c>--model</c> here.
    /// </summary>
    /// <param name="fileOrName">A <c>.srface</c> file or a pretrained recogniser's name (e.g. <c>dlib-resnet</c>).</param>
    /// <param name="store">The model store (pretrained weights, face detector).</param>
    /// <returns>The cascade, in eval mode, float32.</returns>
    /// <exception cref="FileNotFoundException">When it is neither a file nor a pretrained recogniser.</exception>
    /// <exception cref="Models.Pretrained.ModelStoreException">When pretrained weights are missing or damaged.</exception>
    /// <exception cref="InvalidDataException">When the file is not a readable cascade.</exception>
    public static FaceRecognitionCascade Open(string fileOrName, Models.Pretrained.ModelStore store)
    {
        ArgumentNullException.ThrowIfNull(fileOrName);
        ArgumentNullException.ThrowIfNull(store);
        if (File.Exists(fileOrName)) return Load(fileOrName, store);
        if (IsPretrainedName(fileOrName)) return FromPretrained(fileOrName, store);
        var pretrained = string.Join(", ", Models.ModelCatalog.Recognizers.Values.Where(e => e.Pretrained is not null).Select(e => e.Name));
        throw new FileNotFoundException($"Model file not found: {fileOrName} (nor is it a pretrained recogniser: {pretrained}).", fileOrName);
    }

    /// <summary>Whether <paramref name="name"/> is not a file but a catalogue recogniser with pretrained weights.</summary>
    /// <param name="name">A file path or a recogniser name.</param>
    public static bool IsPretrainedName(string name) =>
        !File.Exists(name) && Models.ModelCatalog.Recognizers.TryGetValue(name, out var e) && e.Pretrained is not null;

    /// <summary>Loads a cascade file written by <see cref="Save"/>.</summary>
    /// <param name="path">A <c>.srface</c> file.</param>
    /// <param name="store">The model store, for the face detector of a model that aligns faces; null for none (such a
    /// model then fails at <see cref="Preparer"/>).</param>
    /// <returns>The cascade, in eval mode, float32.</returns>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="InvalidDataException">When the file is not a cascade, is corrupt, has a newer format, or its weights do not fit its manifest; the message names the file.</exception>
    public static FaceRecognitionCascade Load(string path, Models.Pretrained.ModelStore? store = null)
    {
        var (zip, manifest) = ModelArchive.Open<CascadeManifest>(path, Kind, m => m.Kind, m => m.FormatVersion, FormatVersion);
        using (zip)
        {
            FaceRecognitionCascade cascade;
            try
            {
                cascade = Build(manifest);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{path}: the manifest names a model this SrFace cannot build ({e.Message}).", e);
            }
            ModelArchive.ReadEntry(zip, path, "recognizer.bin", r => StateDictIO.LoadModule(r, cascade.Recognizer));
            if (cascade.SuperResolution is { } sr) ModelArchive.ReadEntry(zip, path, "sr.bin", r => StateDictIO.LoadModule(r, sr));
            RequireFiniteWeights(path, cascade.Recognizer);
            if (cascade.SuperResolution is { } restorer) RequireFiniteWeights(path, restorer);
            if (store is not null) cascade.LoadDetector(store);
            cascade.SourcePath = path;
            return cascade;
        }
    }

    /// <summary>Writes the cascade as one file (atomically).</summary>
    /// <param name="path">Target file (conventionally <c>*.srface</c>).</param>
    /// <exception cref="IOException">When the file cannot be written.</exception>
    public void Save(string path)
    {
        var entries = new Dictionary<string, Action<BinaryWriter>> { ["recognizer.bin"] = ModelArchive.StateOf(Recognizer) };
        if (SuperResolution is not null) entries["sr.bin"] = ModelArchive.StateOf(SuperResolution);
        ModelArchive.Write(path, Manifest, entries);
    }

    /// <summary>Changes how faces are prepared for this model (e.g. another centred-crop fraction); saved with the model.</summary>
    /// <param name="preprocessing">The new preprocessing; its size is set to the recogniser input S.</param>
    /// <exception cref="ArgumentOutOfRangeException">When it is out of range.</exception>
    public void UsePreprocessing(FacePreprocessing preprocessing)
    {
        var p = (preprocessing ?? throw new ArgumentNullException(nameof(preprocessing))) with { Size = InputSize };
        p.Validate();
        Manifest = Manifest with { Preprocessing = p };
        _preparer = null;
    }

    /// <summary>Sets the calibrated verification threshold (saved with the model).</summary>
    /// <param name="threshold">Cosine similarity in [-1, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">When outside [-1, 1] or not finite.</exception>
    public void Calibrate(double threshold)
    {
        if (!(threshold >= -1 && threshold <= 1)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "A cosine threshold lies in [-1, 1].");
        Manifest = Manifest with { Threshold = threshold };
    }

    /// <summary>
    /// Restores low-resolution faces of any size. A pre-upsampled SR model (<see cref="SuperResolutionModel.PreUpsampled"/>,
    /// e.g. vdsr) gets the face bicubic-upsampled to S and restores it there, whatever the probe size (37, 19, 10 px...);
    /// a model with an integer scale s gets it resized to floor(S/s) px, upscales by s and the result is resized to S
    /// when s does not divide S. Output clamped to [0, 1]. Faces at least S px wide are sharp already and are only
    /// resized to S.
    /// </summary>
    /// <param name="lowResolution">Faces <c>[N, C, h, w]</c> float32 in [0, 1], any size.</param>
    /// <returns>Restored faces <c>[N, C, S, S]</c> in [0, 1] (bicubic upsampling when there is no SR model).</returns>
    public Tensor Restore(Tensor lowResolution)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // A probe at least S px wide is already sharp: restoring it would first throw detail away.
        if (SuperResolution is null || Math.Min(lowResolution.shape[2], lowResolution.shape[3]) >= InputSize)
            return ToInputSize(lowResolution).MoveToOuterDisposeScope();
        var lr = SuperResolution.PreUpsampled ? ToInputSize(lowResolution) : Resize(lowResolution, LowResolutionSize);
        var restored = SafeScalars.Clamp(SuperResolution.forward(lr));
        if (restored.shape[2] != InputSize || restored.shape[3] != InputSize) restored = Resize(restored, InputSize);
        return restored.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// METHOD.md step 12 for low-quality probes: embeds the probe (bicubic-upsampled to S) and its restored version and
    /// fuses them with <see cref="CascadeManifest.Fusion"/>.
    /// </summary>
    /// <param name="lowResolution">Probe faces <c>[N, C, h, w]</c> float32 in [0, 1] (h, w typically S/s or smaller).</param>
    /// <returns>L2-normalised embeddings <c>[N, D]</c> (<c>[N, 2D]</c> for concatenation).</returns>
    public Tensor EmbedLowResolution(Tensor lowResolution) => EmbedLowResolution(lowResolution, null);

    /// <summary>
    /// <see cref="EmbedLowResolution(Tensor)"/> reusing the probe's own embedding when the caller has it already
    /// (<see cref="EmbedRecognizerOnly"/> of the same probes), so the benchmark runs the recogniser once less.
    /// </summary>
    /// <param name="lowResolution">Probe faces <c>[N, C, h, w]</c> float32 in [0, 1].</param>
    /// <param name="probeEmbedding"><see cref="EmbedRecognizerOnly"/> of <paramref name="lowResolution"/> <c>[N, D]</c>, or null to compute it; not disposed.</param>
    /// <returns>L2-normalised embeddings <c>[N, D]</c> (<c>[N, 2D]</c> for concatenation).</returns>
    public Tensor EmbedLowResolution(Tensor lowResolution, Tensor? probeEmbedding)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // A probe at least S px wide is its own restoration (Restore returns it resized): one recogniser pass suffices.
        var sharp = Math.Min(lowResolution.shape[2], lowResolution.shape[3]) >= InputSize;
        var fusion = SuperResolution is null || (sharp && Manifest.Fusion != FeatureFusion.Concatenate) ? FeatureFusion.ProbeOnly : Manifest.Fusion;
        var probe = fusion == FeatureFusion.RestoredOnly ? null : probeEmbedding?.alias() ?? Recognizer.forward(ToInputSize(lowResolution));
        var restored = fusion == FeatureFusion.ProbeOnly ? null : Recognizer.forward(Restore(lowResolution));
        var fused = fusion switch
        {
            FeatureFusion.Mean => nn.functional.normalize(probe! + restored!, dim: 1),
            FeatureFusion.Concatenate => cat([probe!, restored!], 1) / Math.Sqrt(2),
            FeatureFusion.RestoredOnly => restored!,
            _ => probe!,
        };
        return fused.MoveToOuterDisposeScope();
    }

    /// <summary>Embeds faces with the recogniser alone, bicubic-resizing them to S (pipelines (a) and (b) of the evaluation; gallery images).</summary>
    /// <param name="faces">Faces <c>[N, C, h, w]</c> float32 in [0, 1], any size.</param>
    /// <returns>L2-normalised embeddings <c>[N, D]</c>.</returns>
    public Tensor EmbedRecognizerOnly(Tensor faces)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return Recognizer.forward(ToInputSize(faces)).MoveToOuterDisposeScope();
    }

    /// <summary>Cosine similarity of two L2-normalised embeddings, in [-1, 1].</summary>
    /// <param name="a">Embedding.</param>
    /// <param name="b">Embedding of the same length.</param>
    /// <exception cref="ArgumentException">When the lengths differ.</exception>
    public static double Similarity(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"Embeddings of different lengths ({a.Count} and {b.Count}).");
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Count; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return dot / Math.Sqrt(Math.Max(na * nb, 1e-24));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Detector?.Dispose();
        SuperResolution?.Dispose();
        Recognizer.Dispose();
    }

    /// <summary>Loads the face detector from the store when this model aligns faces.</summary>
    private void LoadDetector(Models.Pretrained.ModelStore store)
    {
        if (Preprocessing.Alignment == FaceAlignmentTemplate.CentredCrop || Detector is not null) return;
        Detector = Detection.FaceDetector.Load(store);
        _preparer = null;
    }

    private static FaceRecognitionCascade Build(CascadeManifest manifest)
    {
        var recognizer = ModelCatalog.CreateRecognizer(manifest.Recognizer, manifest.RecognizerConfig);
        var sr = manifest.SuperResolutionModel is null ? null
            : ModelCatalog.CreateSuperResolution(manifest.SuperResolutionModel, manifest.SuperResolution ?? new SrModelConfig(manifest.Scale));
        return new FaceRecognitionCascade(manifest, sr, recognizer);
    }

    /// <summary>A damaged file can hold NaN or infinite weights that still load; they would make every embedding NaN.</summary>
    private static void RequireFiniteWeights(string path, nn.Module module)
    {
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in module.state_dict())
            if (tensor.is_floating_point() && !tensor.isfinite().all().item<bool>())
                throw new InvalidDataException($"{path}: weight '{name}' holds NaN or infinite values (a damaged model file).");
    }

    private static void CopyWeights(nn.Module from, nn.Module to)
    {
        using var _ = no_grad();
        var source = from.state_dict();
        foreach (var (name, tensor) in to.state_dict()) tensor.copy_(source[name]);
    }

    private Tensor ToInputSize(Tensor faces) => Resize(faces, InputSize);

    private static Tensor Resize(Tensor faces, int side) =>
        faces.shape[2] == side && faces.shape[3] == side ? faces.alias() : FaceDegradation.Resize(faces, side, side);
}
