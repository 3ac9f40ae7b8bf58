using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Cli.Configuration;
using SrFace.Cli.Reporting;
using SrFace.Models;
using SrFace.Recognition;

namespace SrFace.Cli.Commands;

/// <summary>
/// <c>srface verify A B --model M [--json] [--threshold T] [--probe-size PX] [--crop-fraction[-a|-b] F]</c>: are two face
/// images the same person? Cosine of their cascade embeddings against the model's calibrated threshold (or --threshold).
/// Each image is framed with the model's face crop, or taken whole when it is a tight face crop already
/// (<see cref="SrFace.Data.FacePreprocessing.FramingFor"/>: below the model input for a model that crops, at most
/// 64 px for one that aligns faces), unless a crop fraction is given for it. <c>--runtime onnx</c> does the same with a file from
/// <c>srface export</c>, the cascade running in ONNX Runtime with no libtorch: models that align faces are prepared by
/// the same stage with the face detectors, 68 landmarks and warp of the export's <c>.faces.onnx</c> in ONNX Runtime
/// (an older export without that file falls back to TorchSharp's detector, which needs libtorch).
/// Exit code 0 = same person, 1 = different people, 2 = error.
/// </summary>
internal sealed class VerifyCommand : Command<VerifyCommand.Settings>
{
    /// <summary>Exit code of any error (1 already means "different people").</summary>
    public const int ErrorExitCode = 2;

    /// <summary>Options of <c>srface verify</c>.</summary>
    public sealed class Settings : RecognitionSettings
    {
        /// <summary>Reference image.</summary>
        [CommandArgument(0, "<A>")]
        [Description("Reference face image (JPEG, PNG or PGM).")]
        public string A { get; init; } = "";

        /// <summary>Probe image.</summary>
        [CommandArgument(1, "<B>")]
        [Description("Probe face image; a tight face crop (below the model input for a model that crops, at most 64 px for one that aligns faces) is taken whole (unless --crop-fraction[[-b]] is given) and is a low-quality probe, restored by the SR model; a larger image without a detectable face is an error.")]
        public string B { get; init; } = "";


        /// <summary>Print JSON instead of text.</summary>
        [CommandOption("--json")]
        [Description("Print {\"similarity\",\"threshold\",\"same\",\"a\",\"b\",\"images\"} as JSON; each of the two images gives \"file\", \"facesFound\", \"framing\", \"note\" (several faces: the largest is used), " +
                     "\"box\" {x, y, width, height} in pixels of the upright photo, \"detector\", \"score\" and \"landmarks\" (the 68 or 5 points used; null with \"fallback\": \"detector box\" when the face was too small for landmarks).")]
        public bool Json { get; init; }

        /// <summary>Decision threshold overriding the model's.</summary>
        [CommandOption("-t|--threshold <T>")]
        [Description("Cosine threshold in [[-1, 1]] (default: the model's calibrated threshold).")]
        public double? Threshold { get; init; }

        /// <summary>Degrade B's face crop to this many pixels first.</summary>
        [CommandOption("--probe-size <PX>")]
        [Description("Degrade B's face crop to PX x PX (bicubic, antialiased) first, to try a low-quality probe made from a sharp file.")]
        public int? ProbeSize { get; init; }

        /// <summary>Face crop fraction of both images, overriding the model's.</summary>
        [CommandOption("--crop-fraction <F>")]
        [Description("Face crop of both images as a fraction of the shorter image side, in (0, 1]] (default: the model's, e.g. 0.48 for LFW-like photos; " +
                     "a tight face crop, below the model input for a model that crops or at most 64 px for one that aligns faces, is taken whole; 1.0 for ORL).")]
        public double? CropFraction { get; init; }

        /// <summary>Face crop fraction of A alone.</summary>
        [CommandOption("--crop-fraction-a <F>")]
        [Description("Face crop of A alone, in (0, 1]] (overrides --crop-fraction for A), e.g. 0.48 for an LFW photo beside a tight probe.")]
        public double? CropFractionA { get; init; }

        /// <summary>Face crop fraction of B alone.</summary>
        [CommandOption("--crop-fraction-b <F>")]
        [Description("Face crop of B alone, in (0, 1]] (overrides --crop-fraction for B), e.g. 1.0 for a tight face crop.")]
        public double? CropFractionB { get; init; }

        /// <inheritdoc />
        public override ValidationResult Validate() => RecognitionCli.Check(Model, Threshold, ProbeSize, CropFraction,
            (CropFractionA is { } a && !(a > 0 && a <= 1), $"--crop-fraction-a must be in (0, 1]; got {CropFractionA}."),
            (CropFractionB is { } b && !(b > 0 && b <= 1), $"--crop-fraction-b must be in (0, 1]; got {CropFractionB}."),
            RuntimeCheck);
    }

    /// <summary>
    /// The decision through the model's embedder (TorchSharp, or ONNX Runtime for --runtime onnx: no libtorch call; an
    /// export that aligns faces prepares them with the one preparation stage on its exported detector, F.faces.onnx, or
    /// without that file with the TorchSharp detector).
    /// </summary>
    private static (VerificationOutcome Outcome, FaceAlignmentTemplate Alignment) Verify(Settings settings)
    {
        var (model, service) = RecognitionCli.Load(settings, settings.CropFraction,
            everyImageCropped: settings.CropFractionA is not null && settings.CropFractionB is not null);
        using (model)
        {
            SrFace.Cascade.FaceRecognitionCascade.CheckProbeSize(settings.ProbeSize, service.Embedder.Preprocessing.Size);
            var threshold = RecognitionCli.Threshold(settings.Threshold, service.Embedder)
                ?? throw new InvalidOperationException(RecognitionCli.NoThresholdMessage(ModelSource.Name(settings.Model)));
            return (service.Verify(settings.A, settings.B, threshold, settings.ProbeSize, settings.CropFractionA, settings.CropFractionB),
                service.Embedder.Preprocessing.Alignment);
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        try
        {
            var (outcome, alignment) = Verify(settings);
            if (settings.Json)
            {
                // Plain stdout (no console wrapping) so scripts can parse it.
                var json = new JsonObject
                {
                    ["similarity"] = outcome.Similarity, ["threshold"] = outcome.Threshold, ["same"] = outcome.Same, ["a"] = outcome.A, ["b"] = outcome.B,
                };
                if (outcome is { FaceA: { } faceA, FaceB: { } faceB })
                    json["images"] = new JsonArray(FaceReport.ImageAndFace(outcome.A, faceA, alignment), FaceReport.ImageAndFace(outcome.B, faceB, alignment));
                Console.WriteLine(json.ToJsonString());
            }
            else
            {
                var verdict = outcome.Same ? "[green]same person[/]" : "[yellow]different people[/]";
                AnsiConsole.MarkupLine($"{verdict}: similarity {outcome.Similarity.ToString("F4", CultureInfo.InvariantCulture)} " +
                    $"{(outcome.Same ? ">=" : "<")} threshold {outcome.Threshold.ToString("F4", CultureInfo.InvariantCulture)}");
                if (outcome is { FaceA: { } faceA, FaceB: { } faceB })
                    foreach (var line in new[] { FaceReport.Describe("A", faceA, alignment), FaceReport.Describe("B", faceB, alignment) })
                        if (line is not null) Console.WriteLine(line); // plain: never wrapped in logs and pipes
            }
            return outcome.Same ? 0 : 1;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Every failure, libtorch's included, is exit 2, never 1 (which here means "different people").
            CliErrors.Report(CliErrors.OneLine(e), e);
            return ErrorExitCode;
        }
    }
}
