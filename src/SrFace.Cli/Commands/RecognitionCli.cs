using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Cli.Configuration;
using SrFace.Recognition;

namespace SrFace.Cli.Commands;

/// <summary>What <c>verify</c>, <c>enroll</c> and <c>identify</c> share: loading the model, the crop override, thresholds and option checks.</summary>
internal static class RecognitionCli
{
    /// <summary>What verify and identify do with photos, for their help (README "Faces from photos" says the same).</summary>
    public const string PhotoOutcomes = "Photos are detected and aligned (the pretrained recogniser): an image without a face is the error \"no face found in FILE\" (exit 2), never a similarity; " +
        "with several faces the largest is used and the output says \"N faces found, using the largest\"; a face too small for landmarks is aligned on its detector box, and the output says so (\"fallback\": \"detector box\").";

    /// <summary>
    /// Loads the model for <c>--runtime</c> and wraps it in the identification service, with the face crop fraction
    /// overridden when given: torch loads <see cref="ModelSource"/> (a .srface file or a pretrained recogniser) into a
    /// <see cref="FaceEmbedder"/>, onnx an export (<see cref="LoadOnnx"/>); both give the service an <see cref="IFaceEmbedder"/>.
    /// </summary>
    /// <param name="settings">The command's model, model store and runtime.</param>
    /// <param name="cropFraction">--crop-fraction, or null.</param>
    /// <param name="everyImageCropped">True when each image has its own crop fraction (the ONNX path then needs no detector).</param>
    /// <returns>What to dispose when done (the cascade or the ONNX sessions and detector) and the service.</returns>
    /// <exception cref="FileNotFoundException">When the model file does not exist.</exception>
    /// <exception cref="InvalidDataException">When it is not a readable cascade or export.</exception>
    /// <exception cref="NotSupportedException">When --runtime onnx is given a catalogue recogniser's name rather than an export.</exception>
    /// <exception cref="SrFace.Models.Pretrained.ModelStoreException">When pretrained weights are missing or damaged.</exception>
    public static (IDisposable Model, FaceIdentification Service) Load(RecognitionSettings settings, double? cropFraction, bool everyImageCropped = false)
    {
        if (IsOnnx(settings.Runtime))
        {
            var (onnx, detector) = LoadOnnx(settings.Model, cropFraction, settings.Models, everyImageCropped);
            // Say so when the export's own detector is missing: faces are then found by libtorch, which the user chose onnx to avoid.
            if (detector is not null)
                Console.Error.WriteLine($"note: {SrFace.Export.FaceDetectorOnnxExporter.PathFor(ModelSource.Name(settings.Model))} not found: faces are detected with TorchSharp (libtorch) from the model store; copy the .faces.onnx file `srface export` wrote to run without libtorch.");
            return (new Owned(onnx, detector), new FaceIdentification(onnx));
        }
        var cascade = ModelSource.Load(settings.Model, settings.Models);
        if (settings.BFloat16) cascade.Precision = SrFace.Runtime.ComputePrecision.BFloat16;
        try
        {
            var preprocessing = cropFraction is { } f ? cascade.Preprocessing.CentredCrop(f) : null;
            return (cascade, new FaceIdentification(cascade, preprocessing));
        }
        catch
        {
            cascade.Dispose();
            throw;
        }
    }

    /// <summary>Disposes an ONNX cascade and the detector it was given (<see cref="LoadOnnx"/>), in that order.</summary>
    private sealed class Owned(IDisposable model, IDisposable? detector) : IDisposable
    {
        public void Dispose()
        {
            model.Dispose();
            detector?.Dispose();
        }
    }

    /// <summary>Whether <paramref name="runtime"/> names a supported inference runtime (torch or onnx, any case).</summary>
    public static bool IsRuntime(string runtime) => runtime.Equals("torch", StringComparison.OrdinalIgnoreCase) || IsOnnx(runtime);

    /// <summary>Whether <paramref name="runtime"/> is onnx (ONNX Runtime on a file from <c>srface export</c>).</summary>
    public static bool IsOnnx(string runtime) => runtime.Equals("onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Loads an exported ONNX cascade, with the face crop fraction overridden when given. A centred-crop export (or
    /// every image given a crop) makes no libtorch call, nor does an export that aligns faces and has its exported
    /// detector beside it (<c>F.faces.onnx</c>); an older aligning export without it gets the face detector from the
    /// model store, which runs in TorchSharp (libtorch) while the cascade runs in ONNX Runtime.
    /// </summary>
    /// <param name="model">The .onnx file (a catalogue recogniser's name is an error: export it first).</param>
    /// <param name="cropFraction">--crop-fraction, or null.</param>
    /// <param name="modelsFolder">--models, or null for the default model store.</param>
    /// <param name="everyImageCropped">True when each image has its own crop fraction (no detection needed).</param>
    /// <returns>The cascade and the detector it uses (null when none is needed); the caller disposes both.</returns>
    /// <exception cref="FileNotFoundException">When the file does not exist.</exception>
    /// <exception cref="InvalidDataException">When it is not an ONNX file written by <c>srface export</c>.</exception>
    /// <exception cref="NotSupportedException">When <paramref name="model"/> names a catalogue recogniser rather than a file.</exception>
    /// <exception cref="SrFace.Models.Pretrained.ModelStoreException">When the detector's weights are missing or damaged.</exception>
    public static (SrFace.Export.OnnxCascade Onnx, SrFace.Detection.FaceDetector? Detector) LoadOnnx(string? model, double? cropFraction, string? modelsFolder = null, bool everyImageCropped = false)
    {
        var name = ModelSource.Name(model);
        if (!File.Exists(name) && SrFace.Models.ModelCatalog.Recognizers.ContainsKey(name))
            throw new NotSupportedException($"--runtime onnx runs a file written by `srface export`, not the recogniser '{name}': export it first " +
                $"(srface export --model {name} --probe-size PX --out {name}.onnx), or use --runtime torch.");
        return SrFace.Export.OnnxCascadeLoader.Load(name, ModelSource.Store(modelsFolder), cropFraction, everyImageCropped);
    }

    /// <summary>The decision threshold: the flag, else the model's calibrated one, else null.</summary>
    public static double? Threshold(double? flag, IFaceEmbedder model) => flag ?? model.Threshold;

    /// <summary>The message when a decision needs a threshold and neither the flag nor the model gives one.</summary>
    public static string NoThresholdMessage(string model) =>
        $"Model '{model}' has no calibrated threshold: run `srface evaluate --calibrate` on it or pass --threshold.";

    /// <summary>Checks the options every recognition command has, then the command's own (Bad, Message) checks in order.</summary>
    public static ValidationResult Check(string? model, double? threshold, int? probeSize, double? cropFraction, params (bool Bad, string Message)[] more)
    {
        if (threshold is { } t && !(t >= -1 && t <= 1)) return ValidationResult.Error($"--threshold must be a cosine in [-1, 1]; got {t}.");
        if (probeSize is < Cascade.FaceRecognitionCascade.MinimumFaceSide)
            return ValidationResult.Error($"--probe-size must be at least {Cascade.FaceRecognitionCascade.MinimumFaceSide} pixels (and at most the model input); got {probeSize}.");
        if (cropFraction is { } c && !(c > 0 && c <= 1)) return ValidationResult.Error($"--crop-fraction must be in (0, 1]; got {c}.");
        foreach (var (bad, message) in more)
            if (bad) return ValidationResult.Error(message);
        return ValidationResult.Success();
    }

    /// <summary>Runs <paramref name="work"/> under a progress bar fed by the (done, total) callback it is given.</summary>
    public static T WithProgress<T>(string description, Func<Action<int, int>, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive) return work((_, _) => { });
        return AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask(description);
            return work((done, total) => { task.MaxValue = total; task.Value = done; });
        });
    }

    /// <summary>A short form of an image path for tables: the last two path parts (identity folder and file).</summary>
    public static string Short(string path)
    {
        var folder = Path.GetFileName(Path.GetDirectoryName(path));
        return string.IsNullOrEmpty(folder) ? Path.GetFileName(path) : $"{folder}/{Path.GetFileName(path)}";
    }
}
