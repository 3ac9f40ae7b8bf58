using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Cli.Configuration;
using SrFace.Cli.Reporting;
using SrFace.Data;
using SrFace.Models;
using SrFace.Recognition;

namespace SrFace.Cli.Commands;

/// <summary>
/// <c>srface identify PROBE... --gallery G.db --model M [--top K] [--threshold T] [--probe-size PX] [--all-faces] [--json]</c>:
/// ranks the gallery identities for the largest face of each probe image (every face with <c>--all-faces</c>, each
/// listed with its box) and declares "unknown" below the open-set threshold: the model's open-set threshold (calibrated
/// at a low false-positive identification rate, see <see cref="SrFace.Cascade.CascadeManifest.OpenSetThreshold"/>), else
/// its pairwise verification threshold, unless <c>--threshold</c> is given. <c>--runtime onnx</c> runs an export. Batch mode
/// <c>srface identify --probes DIR --skip-first N ...</c> identifies every image after the first N of each identity
/// folder and prints rank-1 / rank-5 accuracy, the CMC curve and the open-set unknown count.
/// </summary>
internal sealed class IdentifyCommand : Command<IdentifyCommand.Settings>
{
    /// <summary>Options of <c>srface identify</c>.</summary>
    public sealed class Settings : RecognitionSettings
    {
        /// <summary>Probe image files.</summary>
        [CommandArgument(0, "[PROBE]")]
        [Description("Probe face images (JPEG, PNG or PGM).")]
        public string[] Probes { get; init; } = [];

        /// <summary>Gallery connection string (<see cref="SrFace.Recognition.GalleryAddress"/>).</summary>
        [CommandOption("-g|--gallery <GALLERY>")]
        [Description("Gallery made by `srface enroll` with the same model: a file path or sqlite:PATH (SQLite), or postgres://USER:PASSWORD@HOST:PORT/DATABASE?gallery=NAME (PostgreSQL + pgvector).")]
        public string? Gallery { get; init; }


        /// <summary>Candidates shown per probe (and the CMC length in batch mode, at least 5 there).</summary>
        [CommandOption("-k|--top <K>")]
        [Description("Candidates listed per probe (default 5); in batch mode the CMC curve goes to max(K, 5).")]
        [DefaultValue(5)]
        public int Top { get; init; } = 5;

        /// <summary>Open-set threshold overriding the model's.</summary>
        [CommandOption("-t|--threshold <T>")]
        [Description("Open-set cosine threshold in [[-1, 1]]: a best score below it is \"unknown\" (default: the model's open-set threshold, calibrated at a low false-positive identification rate on people outside a gallery; " +
                     "a model without one uses its pairwise verification threshold; give -1 for closed-set identification).")]
        public double? Threshold { get; init; }

        /// <summary>Degrade each probe's face crop to this many pixels first.</summary>
        [CommandOption("--probe-size <PX>")]
        [Description("Degrade each probe's face crop to PX x PX (bicubic, antialiased) first, e.g. 16 for x4 on a 64 px model.")]
        public int? ProbeSize { get; init; }

        /// <summary>Folder-per-identity probe set (batch mode).</summary>
        [CommandOption("--probes <DIR>")]
        [Description("Batch mode: a folder with one subfolder of probe images per identity; prints rank-1/rank-5 accuracy and the unknown count.")]
        public string? ProbeDirectory { get; init; }

        /// <summary>Images per identity to skip in batch mode (the enrolled ones).</summary>
        [CommandOption("--skip-first <N>")]
        [Description("Batch mode: skip the first N images of each identity (natural order), e.g. the ones `enroll --first N` used.")]
        [DefaultValue(0)]
        public int SkipFirst { get; init; }

        /// <summary>Identify every face of each probe image, not only the largest.</summary>
        [CommandOption("--all-faces")]
        [Description("Identify every face found in each probe image (largest first), each listed with its box; without it the largest face is used and the output says how many were found.")]
        public bool AllFaces { get; init; }

        /// <summary>Print JSON instead of text.</summary>
        [CommandOption("--json")]
        [Description("Print {\"threshold\",\"thresholdSource\",\"probes\"} as JSON (thresholdSource: \"option\" for --threshold, \"open-set\" for the model's open-set threshold, \"verification\" for its pairwise one, \"none\" for closed set): per probe image \"file\", \"facesFound\", \"framing\", \"note\" and \"faces\", each face with \"box\" {x, y, width, height} (pixels of the upright photo), " +
                     "\"detector\", \"score\", \"landmarks\" (null with \"fallback\": \"detector box\" when too small for landmarks), \"identity\" (null when unknown), \"unknown\" and \"candidates\". Probe images only (not --probes).")]
        public bool Json { get; init; }

        /// <summary>Face crop fraction overriding the model's.</summary>
        [CommandOption("--crop-fraction <F>")]
        [Description("Face crop as a fraction of the shorter image side, in (0, 1]] (default: the model's, and a tight face crop, below the model input for a model that crops or at most 64 px for one that aligns faces, is taken whole; 1.0 for ORL).")]
        public double? CropFraction { get; init; }

        /// <inheritdoc />
        public override ValidationResult Validate() => RecognitionCli.Check(Model, Threshold, ProbeSize, CropFraction,
            (string.IsNullOrWhiteSpace(Gallery), "--gallery <GALLERY> is required."),
            (Top < 1, $"--top must be at least 1; got {Top}."),
            (SkipFirst < 0, $"--skip-first must be at least 0; got {SkipFirst}."),
            (Probes.Length == 0 && ProbeDirectory is null, "Give probe images or --probes <DIR>."),
            (Probes.Length > 0 && ProbeDirectory is not null, "Give either probe images or --probes <DIR>, not both."),
            (ProbeDirectory is not null && (AllFaces || Json), "--all-faces and --json apply to probe images, not to --probes <DIR>."), RuntimeCheck);
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var (model, service) = RecognitionCli.Load(settings, settings.CropFraction);
        using (model)
        using (var gallery = service.OpenGallery(settings.Gallery!))
        {
            var (threshold, source) = FaceIdentification.OpenSetThresholdOf(settings.Threshold, service.Embedder);
            if (threshold is null && !settings.Json)
                AnsiConsole.MarkupLine("[yellow]No open-set threshold (model not calibrated, no --threshold): closed-set identification, no probe is \"unknown\".[/]");
            else if (source == VerificationSource && !settings.Json)
                AnsiConsole.MarkupLine("[yellow]The model has no open-set threshold: using its pairwise verification threshold, which strangers to a large gallery often reach (calibrate one with `srface evaluate --protocol open-set --calibrate`).[/]");
            var openSet = threshold ?? double.NegativeInfinity;
            if (settings.ProbeDirectory is { } dir) return Evaluate(service, gallery, FaceDataset.FromIdentityFolders(dir), settings, openSet, source);
            var probes = RecognitionCli.WithProgress("identifying", _ => service.IdentifyFaces(gallery, settings.Probes, settings.Top, openSet, settings.ProbeSize, settings.AllFaces));
            var alignment = service.Embedder.Preprocessing.Alignment;
            if (settings.Json) Console.WriteLine(Json(probes, threshold, source, alignment, settings.AllFaces).ToJsonString());
            else foreach (var probe in probes) Print(probe, alignment, settings.AllFaces);
            return 0;
        }
    }

    private const string VerificationSource = "verification";

    private static int Evaluate(FaceIdentification service, FaceGallery gallery, FaceDataset probes, Settings settings, double openSet, string source)
    {
        var maxRank = Math.Max(settings.Top, 5);
        var evaluation = RecognitionCli.WithProgress("identifying",
            progress => service.EvaluateProbes(gallery, probes, settings.SkipFirst, openSet, settings.ProbeSize, maxRank, progress));
        var enrolled = gallery.ListIdentities().Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var notEnrolled = evaluation.Probes.Select(p => p.TrueIdentity).Distinct().Count(id => !enrolled.Contains(id));
        var size = settings.ProbeSize is { } px ? $"degraded to {px} px" : "as stored";
        var table = new Table().Title($"{evaluation.Probes.Count} probes ({Markup.Escape(size)}) against {gallery.Count} identities")
            .AddColumns("metric", "value");
        table.AddRow("rank-1 accuracy", Percent(evaluation.Rank1));
        table.AddRow("rank-5 accuracy", Percent(evaluation.RankAccuracy(5)));
        table.AddRow("CMC (rank 1..)", string.Join(" ", evaluation.Cmc.Select(Percent)));
        table.AddRow("open-set threshold", double.IsNegativeInfinity(openSet) ? "none" : $"{Score(openSet)} ({source})");
        table.AddRow("unknown (below threshold)", $"{evaluation.UnknownCount}");
        table.AddRow("accepted as the right identity (DIR)", Percent(evaluation.DetectionAndIdentificationRate));
        table.AddRow("probe identities not enrolled", $"{notEnrolled}");
        AnsiConsole.Write(table);
        return 0;
    }

    private static void Print(ProbeIdentification probe, FaceAlignmentTemplate alignment, bool allFaces)
    {
        // The path goes on its own line: as a table title it would be cut to the table's width.
        AnsiConsole.MarkupLineInterpolated($"[bold]{probe.Path}[/]");
        if (FaceReport.Note(probe.Faces[0].Face, allFaces) is { } note) Console.WriteLine(note);
        for (var k = 0; k < probe.Faces.Count; k++)
        {
            var (face, result) = (probe.Faces[k].Face, probe.Faces[k].Result);
            if (face.Face is { } detected)
                Console.WriteLine((probe.Faces.Count > 1 ? $"face {k + 1} of {probe.Faces.Count}: " : "face: ") + FaceReport.Where(detected, alignment));
            var table = new Table().AddColumns("rank", "identity", "score");
            for (var i = 0; i < result.Candidates.Count; i++)
                table.AddRow($"{i + 1}", Markup.Escape(result.Candidates[i].Identity), Score(result.Candidates[i].Score));
            AnsiConsole.Write(table);
            if (result.Identity is { } identity) AnsiConsole.MarkupLineInterpolated($"[green]{identity}[/]");
            else if (result.Candidates.Count == 0) AnsiConsole.MarkupLine("[yellow]unknown[/] (the gallery is empty)");
            else AnsiConsole.MarkupLine($"[yellow]unknown[/] (best score {Score(result.Candidates[0].Score)} < threshold {Score(result.OpenSetThreshold)})");
        }
    }

    /// <summary>The JSON of <c>--json</c>: the threshold, then per probe image its faces with box, landmarks and candidates.</summary>
    private static JsonObject Json(IReadOnlyList<ProbeIdentification> probes, double? threshold, string source, FaceAlignmentTemplate alignment, bool allFaces) => new()
    {
        ["threshold"] = threshold,
        ["thresholdSource"] = source,
        ["probes"] = new JsonArray(probes.Select(probe =>
        {
            var json = FaceReport.Image(probe.Path, probe.Faces[0].Face, allFaces);
            json["faces"] = new JsonArray(probe.Faces.Select(f =>
            {
                var face = FaceReport.Face(f.Face, alignment);
                face["identity"] = f.Result.Identity;
                face["unknown"] = f.Result.IsUnknown;
                face["candidates"] = new JsonArray(f.Result.Candidates.Select(c => (JsonNode)new JsonObject { ["identity"] = c.Identity, ["score"] = c.Score }).ToArray());
                return (JsonNode)face;
            }).ToArray());
            return (JsonNode)json;
        }).ToArray()),
    };

    private static string Score(double cosine) => cosine.ToString("F4", CultureInfo.InvariantCulture);

    private static string Percent(double fraction) => (100 * fraction).ToString("F1", CultureInfo.InvariantCulture) + " %";
}
