using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Cascade;
using SrFace.Cli.Configuration;
using SrFace.Export;

namespace SrFace.Cli.Commands;

/// <summary>
/// <c>srface export --format onnx --model M --probe-size N --out F.onnx</c>: writes the whole cascade for one probe
/// size (resize, SR, recogniser on the restored face and on the upsampled probe, fusion; plus the sharp-face path) as
/// one ONNX graph (opset 18, dynamic batch) that <c>verify --runtime onnx</c> or any ONNX Runtime can run. The model is
/// a trained cascade (e.g. the fine-tuned vdsr + dlib-resnet of <c>srface demo</c>) or a pretrained recogniser's name
/// (default dlib-resnet); the face framing (crop or alignment template) is recorded in the file's metadata. A model that
/// aligns faces also gets <c>F.faces.onnx</c> beside it (<see cref="FaceDetectorOnnxExporter"/>: face detectors,
/// landmark net and alignment warp from the model store's face-api weights), so <c>--runtime onnx</c> needs no libtorch.
/// Exit 0 on success, 2 on any error.
/// </summary>
internal sealed class ExportCommand : Command<ExportCommand.Settings>
{
    /// <summary>Options of <c>srface export</c>.</summary>
    public sealed class Settings : ModelSettings
    {
        /// <summary>Output format.</summary>
        [CommandOption("--format <FORMAT>")]
        [Description("Output format: onnx (the only one).")]
        [DefaultValue("onnx")]
        public string Format { get; init; } = "onnx";

        /// <summary>Probe side the graph takes.</summary>
        [CommandOption("--probe-size <PX>")]
        [Description("Side in pixels of the low-quality probes the graph takes (default: the SR model's input, S / scale; S without an SR model).")]
        public int? ProbeSize { get; init; }

        /// <summary>Target file.</summary>
        [CommandOption("-o|--out <FILE>")]
        [Description("The .onnx file to write.")]
        public string? Out { get; init; }

        /// <inheritdoc />
        public override ValidationResult Validate() =>
            !string.Equals(Format, "onnx", StringComparison.OrdinalIgnoreCase) ? ValidationResult.Error($"--format must be onnx; got '{Format}'.")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out <FILE> is required (the .onnx file to write).")
            : Directory.Exists(Out) ? ValidationResult.Error($"--out {Out} is a folder; give the .onnx file to write (e.g. {Path.Combine(Out, "model.onnx")}).")
            : ProbeSize is { } p && p < FaceRecognitionCascade.MinimumFaceSide ? ValidationResult.Error($"--probe-size must be at least {FaceRecognitionCascade.MinimumFaceSide} pixels; got {p}.")
            : ValidationResult.Success();
    }

    /// <summary>The probe side as the summary line prints it: p, or "h &lt; S" when the graph takes any side below S.</summary>
    private static string ProbeSide(OnnxCascadeMetadata m) => m.ProbeAnySide ? $"h < {m.InputSize}" : $"{m.ProbeSize}";

    /// <summary>The face input's side as the summary line prints it: "h &lt;= S" when it takes any side up to S (srface.face_any_side), else S.</summary>
    private static string FaceSide(OnnxCascadeMetadata m) => m.FaceAnySide ? $"h <= {m.InputSize}" : $"{m.InputSize}";

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        try
        {
            using var cascade = ModelSource.Load(settings.Model, settings.Models);
            FaceRecognitionCascade.CheckProbeSize(settings.ProbeSize, cascade.InputSize);
            var probeSize = settings.ProbeSize ?? (cascade.SuperResolution is null ? cascade.InputSize : cascade.LowResolutionSize);
            // A model that aligns faces was loaded with its face detector (model store); checked before any file is written.
            var detector = cascade.Preprocessing.Alignment == SrFace.Models.FaceAlignmentTemplate.CentredCrop ? null
                : cascade.Detector ?? throw new InvalidOperationException($"{settings.Model ?? "the model"} aligns faces ({cascade.Preprocessing.Alignment}) and no face detector was loaded from the model store; fill the store (scripts/fetch-models.sh in the SrFace repository) or pass --models DIR.");
            var m = CascadeOnnxExporter.Export(cascade, probeSize, settings.Out!);
            var threshold = m.Threshold is { } t ? t.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) : "none";
            var line = $"wrote {settings.Out} ({new FileInfo(settings.Out!).Length / 1024.0:F0} KiB, ONNX opset {m.Opset}): " +
                $"{CascadeOnnxExporter.ProbeInput} [batch, {m.Channels}, {ProbeSide(m)}, {ProbeSide(m)}] -> {CascadeOnnxExporter.ProbeOutput} [batch, {m.EmbeddingWidth}] ({m.Fusion} fusion); " +
                $"{CascadeOnnxExporter.FaceInput} [batch, {m.Channels}, {FaceSide(m)}, {FaceSide(m)}] -> {CascadeOnnxExporter.FaceOutput} [batch, {m.EmbeddingWidth}]; threshold {threshold}";
            Console.WriteLine(line);
            if (detector is not null)
            {
                var faces = FaceDetectorOnnxExporter.PathFor(settings.Out!);
                FaceDetectorOnnxExporter.Export(detector, faces);
                Console.WriteLine($"wrote {faces} ({new FileInfo(faces).Length / 1024.0:F0} KiB, ONNX opset {OnnxGraphBuilder.Opset}): the faces are framed as {m.Preprocessing.Alignment}; " +
                    $"face detectors, 68 landmarks and the alignment warp for --runtime onnx (keep it beside {Path.GetFileName(settings.Out)})");
            }
            return 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Every failure, libtorch's included, exits 2 as the summary says.
            CliErrors.Report(CliErrors.OneLine(e), e);
            return VerifyCommand.ErrorExitCode;
        }
    }
}
