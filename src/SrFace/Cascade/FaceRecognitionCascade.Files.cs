using SrFace.Data;
using SrFace.IO;
using SrFace.Models;
using static TorchSharp.torch;

namespace SrFace.Cascade;

// The cascade's file side: opening what a user names as "the model" (a .srface file or a pretrained recogniser),
// reading and writing the file format (a ZIP: manifest.json + recognizer.bin [+ sr.bin], see ModelArchive).
public sealed partial class FaceRecognitionCascade
{
    /// <summary>
    /// Builds the models a manifest names (<see cref="ModelCatalog"/>) with fresh, untrained weights: the first step of
    /// <see cref="Load"/>, and of building a cascade from trained models (<c>SrFace.Training.CascadeBuilder</c>), which
    /// then copies the trained weights into <see cref="Recognizer"/> and <see cref="SuperResolution"/>.
    /// </summary>
    /// <param name="manifest">What to build; <see cref="CascadeManifest.Kind"/> and <see cref="CascadeManifest.FormatVersion"/> are not checked here.</param>
    /// <returns>The cascade, in eval mode, float32, without a face detector.</returns>
    /// <exception cref="ArgumentException">When the manifest names a model the catalogue does not know, or a configuration out of range.</exception>
    public static FaceRecognitionCascade Create(CascadeManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var recognizer = ModelCatalog.CreateRecognizer(manifest.Recognizer, manifest.RecognizerConfig);
        var sr = manifest.SuperResolutionModel is null ? null
            : ModelCatalog.CreateSuperResolution(manifest.SuperResolutionModel, manifest.SuperResolution ?? new SrModelConfig(manifest.Scale));
        return new FaceRecognitionCascade(manifest, sr, recognizer);
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
            $"Pretrained {entry.Name} ({entry.Pretrained}), unmodified; no SR model",
            OpenSetThreshold: alignment == FaceAlignmentTemplate.CentredCrop ? null : entry.CalibratedOpenSetThreshold);
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
        if (File.Exists(fileOrName) || Directory.Exists(fileOrName)) return Load(fileOrName, store);   // a folder: "is a folder" from the reader
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
            if (manifest.RestorationLimit is { } limit && !(limit > 0 && double.IsFinite(limit)))
                throw new InvalidDataException($"{path}: the manifest's restoration limit {limit} is not a positive number.");
            if (manifest.OpenSetThreshold is { } open && !(open >= -1 && open <= 1))
                throw new InvalidDataException($"{path}: the manifest's open-set threshold {open} is not a cosine in [-1, 1].");
            FaceRecognitionCascade cascade;
            try
            {
                cascade = Create(manifest);
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

    /// <summary>Loads the face detector from the store when this model aligns faces.</summary>
    private void LoadDetector(Models.Pretrained.ModelStore store)
    {
        if (Preprocessing.Alignment == FaceAlignmentTemplate.CentredCrop || Detector is not null) return;
        Detector = Detection.FaceDetector.Load(store);
        _preparer = null;
    }

    /// <summary>A damaged file can hold NaN or infinite weights that still load; they would make every embedding NaN.</summary>
    private static void RequireFiniteWeights(string path, nn.Module module)
    {
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in module.state_dict())
            if (tensor.is_floating_point() && !tensor.isfinite().all().item<bool>())
                throw new InvalidDataException($"{path}: weight '{name}' holds NaN or infinite values (a damaged model file).");
    }
}
