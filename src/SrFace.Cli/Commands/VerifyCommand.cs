using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Recognition;

namespace SrFace.Cli.Commands;

/// <summary>
/// <c>srface verify A B --model M [--json] [--threshold T] [--probe-size PX] [--crop-fraction F]</c>: are two face images
/// the same person? Cosine of their cascade embeddings against the model's calibrated threshold (or --threshold).
/// Exit code 0 = same person, 1 = different people, 2 = error.
/// </summary>
internal sealed class VerifyCommand : Command<VerifyCommand.Settings>
{
    /// <summary>Exit code of any error (1 already means "different people").</summary>
    public const int ErrorExitCode = 2;

    /// <summary>Options of <c>srface verify</c>.</summary>
    public sealed class Settings : CommandSettings
    {
        /// <summary>Reference image.</summary>
        [CommandArgument(0, "<A>")]
        [Description("Reference face image (JPEG, PNG or PGM).")]
        public string A { get; init; } = "";

        /// <summary>Probe image.</summary>
        [CommandArgument(1, "<B>")]
        [Description("Probe face image; a face crop smaller than the model input is a low-quality probe, restored by the SR model.")]
        public string B { get; init; } = "";

        /// <summary>Cascade file.</summary>
        [CommandOption("-m|--model <FILE>")]
        [Description("Trained model (.srface cascade file).")]
        public string? Model { get; init; }

        /// <summary>Print JSON instead of text.</summary>
        [CommandOption("--json")]
        [Description("Print {\"similarity\",\"threshold\",\"same\",\"a\",\"b\"} as JSON.")]
        public bool Json { get; init; }

        /// <summary>Decision threshold overriding the model's.</summary>
        [CommandOption("-t|--threshold <T>")]
        [Description("Cosine threshold in [[-1, 1]] (default: the model's calibrated threshold).")]
        public double? Threshold { get; init; }

        /// <summary>Degrade B's face crop to this many pixels first.</summary>
        [CommandOption("--probe-size <PX>")]
        [Description("Degrade B's face crop to PX x PX (bicubic, antialiased) first, to try a low-quality probe made from a sharp file.")]
        public int? ProbeSize { get; init; }

        /// <summary>Face crop fraction overriding the model's.</summary>
        [CommandOption("--crop-fraction <F>")]
        [Description("Face crop as a fraction of the shorter image side, in (0, 1]] (default: the model's; 1.0 for ORL).")]
        public double? CropFraction { get; init; }

        /// <summary>Inference runtime: torch (TorchSharp, a .srface model) or onnx (ONNX Runtime, a .onnx export).</summary>
        [CommandOption("--runtime <RUNTIME>")]
        [Description("torch (default: TorchSharp, --model is a .srface file) or onnx (ONNX Runtime, no libtorch: --model is a file from `srface export`).")]
        [DefaultValue("torch")]
        public string Runtime { get; init; } = "torch";

        /// <inheritdoc />
        public override ValidationResult Validate() => RecognitionCli.Check(Model, Threshold, ProbeSize, CropFraction,
            (!RecognitionCli.IsRuntime(Runtime), $"--runtime must be torch or onnx; got '{Runtime}'."));
    }

    private static VerificationOutcome VerifyTorch(Settings settings)
    {
        var (cascade, service) = RecognitionCli.Load(settings.Model!, settings.CropFraction);
        using (cascade)
        {
            var threshold = RecognitionCli.Threshold(settings.Threshold, cascade)
                ?? throw new InvalidOperationException(RecognitionCli.NoThresholdMessage(settings.Model!));
            return service.Verify(settings.A, settings.B, threshold, settings.ProbeSize);
        }
    }

    /// <summary>The same decision through ONNX Runtime: no libtorch call on this path.</summary>
    private static VerificationOutcome VerifyOnnx(Settings settings)
    {
        using var onnx = RecognitionCli.LoadOnnx(settings.Model!, settings.CropFraction);
        var threshold = settings.Threshold ?? onnx.Metadata.Threshold
            ?? throw new InvalidOperationException(RecognitionCli.NoThresholdMessage(settings.Model!));
        var a = onnx.EmbedFile(settings.A);
        var b = onnx.EmbedFile(settings.B, settings.ProbeSize);
        var similarity = SrFace.Cascade.FaceRecognitionCascade.Similarity(a, b);
        return new VerificationOutcome(settings.A, settings.B, similarity, threshold);
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = RecognitionCli.IsOnnx(settings.Runtime) ? VerifyOnnx(settings) : VerifyTorch(settings);
            {
                if (settings.Json)
                {
                    // Plain stdout (no console wrapping) so scripts can parse it.
                    Console.WriteLine(JsonSerializer.Serialize(new { similarity = outcome.Similarity, threshold = outcome.Threshold, same = outcome.Same, a = outcome.A, b = outcome.B }));
                }
                else
                {
                    var verdict = outcome.Same ? "[green]same person[/]" : "[yellow]different people[/]";
                    AnsiConsole.MarkupLine($"{verdict}: similarity {outcome.Similarity.ToString("F4", CultureInfo.InvariantCulture)} " +
                        $"{(outcome.Same ? ">=" : "<")} threshold {outcome.Threshold.ToString("F4", CultureInfo.InvariantCulture)}");
                }
                return outcome.Same ? 0 : 1;
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException or FormatException or UnauthorizedAccessException)
        {
            // CliErrors would return 1, which here means "different people".
            CliErrors.Error.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return ErrorExitCode;
        }
    }
}
