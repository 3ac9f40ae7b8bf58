using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Cascade;
using SrFace.Export;

namespace SrFace.Cli.Commands;

/// <summary>
/// <c>srface export --format onnx --model M --probe-size N --out F.onnx</c>: writes the whole cascade for one probe
/// size (resize, SR, recogniser on the restored face and on the upsampled probe, fusion; plus the sharp-face path) as
/// one ONNX graph (opset 18, dynamic batch) that <c>verify --runtime onnx</c> or any ONNX Runtime can run.
/// Exit 0 on success, 2 on any error.
/// </summary>
internal sealed class ExportCommand : Command<ExportCommand.Settings>
{
    /// <summary>Options of <c>srface export</c>.</summary>
    public sealed class Settings : CommandSettings
    {
        /// <summary>Output format.</summary>
        [CommandOption("--format <FORMAT>")]
        [Description("Output format: onnx (the only one).")]
        [DefaultValue("onnx")]
        public string Format { get; init; } = "onnx";

        /// <summary>Cascade file.</summary>
        [CommandOption("-m|--model <FILE>")]
        [Description("Trained model (.srface cascade file).")]
        public string? Model { get; init; }

        /// <summary>Probe side the graph takes.</summary>
        [CommandOption("--probe-size <PX>")]
        [Description("Side in pixels of the low-quality probes the graph takes (default: the SR model's input, S / scale).")]
        public int? ProbeSize { get; init; }

        /// <summary>Target file.</summary>
        [CommandOption("-o|--out <FILE>")]
        [Description("The .onnx file to write.")]
        public string? Out { get; init; }

        /// <inheritdoc />
        public override ValidationResult Validate() =>
            !string.Equals(Format, "onnx", StringComparison.OrdinalIgnoreCase) ? ValidationResult.Error($"--format must be onnx; got '{Format}'.")
            : string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model <FILE> is required (a .srface cascade file).")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out <FILE> is required (the .onnx file to write).")
            : ProbeSize is { } p && p < FaceRecognitionCascade.MinimumFaceSide ? ValidationResult.Error($"--probe-size must be at least {FaceRecognitionCascade.MinimumFaceSide} pixels; got {p}.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        try
        {
            using var cascade = FaceRecognitionCascade.Load(settings.Model!);
            var probeSize = settings.ProbeSize ?? (cascade.SuperResolution is null ? cascade.InputSize : cascade.LowResolutionSize);
            var m = CascadeOnnxExporter.Export(cascade, probeSize, settings.Out!);
            var threshold = m.Threshold is { } t ? t.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) : "none";
            var line = $"wrote {settings.Out} ({new FileInfo(settings.Out!).Length / 1024.0:F0} KiB, ONNX opset {m.Opset}): " +
                $"{CascadeOnnxExporter.ProbeInput} [batch, {m.Channels}, {m.ProbeSize}, {m.ProbeSize}] -> {CascadeOnnxExporter.ProbeOutput} [batch, {m.EmbeddingWidth}] ({m.Fusion} fusion); " +
                $"{CascadeOnnxExporter.FaceInput} [batch, {m.Channels}, {m.InputSize}, {m.InputSize}] -> {CascadeOnnxExporter.FaceOutput} [batch, {m.EmbeddingWidth}]; threshold {threshold}";
            Console.WriteLine(line);
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
