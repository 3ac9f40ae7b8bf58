using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Cli.Configuration;
using SrFace.Data;
using SrFace.Recognition;

namespace SrFace.Cli.Commands;

/// <summary>
/// <c>srface identify PROBE... --gallery G.db --model M [--top K] [--threshold T] [--probe-size PX]</c>: ranks the
/// gallery identities for each probe image and declares "unknown" below the open-set threshold. Batch mode
/// <c>srface identify --probes DIR --skip-first N ...</c> identifies every image after the first N of each identity
/// folder and prints rank-1 / rank-5 accuracy, the CMC curve and the open-set unknown count.
/// </summary>
internal sealed class IdentifyCommand : Command<IdentifyCommand.Settings>
{
    /// <summary>Options of <c>srface identify</c>.</summary>
    public sealed class Settings : ModelSettings
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
        [Description("Open-set cosine threshold in [[-1, 1]]: a best score below it is \"unknown\" (default: the model's calibrated threshold; give -1 for closed-set identification).")]
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

        /// <summary>Face crop fraction overriding the model's.</summary>
        [CommandOption("--crop-fraction <F>")]
        [Description("Face crop as a fraction of the shorter image side, in (0, 1]] (default: the model's, and an image smaller than the model input is taken whole; 1.0 for ORL).")]
        public double? CropFraction { get; init; }

        /// <inheritdoc />
        public override ValidationResult Validate() => RecognitionCli.Check(Model, Threshold, ProbeSize, CropFraction,
            (string.IsNullOrWhiteSpace(Gallery), "--gallery <GALLERY> is required."),
            (Top < 1, $"--top must be at least 1; got {Top}."),
            (SkipFirst < 0, $"--skip-first must be at least 0; got {SkipFirst}."),
            (Probes.Length == 0 && ProbeDirectory is null, "Give probe images or --probes <DIR>."),
            (Probes.Length > 0 && ProbeDirectory is not null, "Give either probe images or --probes <DIR>, not both."));
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var (cascade, service) = RecognitionCli.Load(settings, settings.CropFraction);
        using (cascade)
        using (var gallery = service.OpenGallery(settings.Gallery!))
        {
            var threshold = RecognitionCli.Threshold(settings.Threshold, cascade);
            if (threshold is null)
                AnsiConsole.MarkupLine("[yellow]No open-set threshold (model not calibrated, no --threshold): closed-set identification, no probe is \"unknown\".[/]");
            var openSet = threshold ?? double.NegativeInfinity;
            if (settings.ProbeDirectory is { } dir) return Evaluate(service, gallery, FaceDataset.FromIdentityFolders(dir), settings, openSet);
            var results = RecognitionCli.WithProgress("identifying", _ => service.Identify(gallery, settings.Probes, settings.Top, openSet, settings.ProbeSize));
            for (var i = 0; i < results.Count; i++) Print(settings.Probes[i], results[i]);
            return 0;
        }
    }

    private static int Evaluate(FaceIdentification service, FaceGallery gallery, FaceDataset probes, Settings settings, double openSet)
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
        table.AddRow("open-set threshold", double.IsNegativeInfinity(openSet) ? "none" : Score(openSet));
        table.AddRow("unknown (below threshold)", $"{evaluation.UnknownCount}");
        table.AddRow("accepted as the right identity (DIR)", Percent(evaluation.DetectionAndIdentificationRate));
        table.AddRow("probe identities not enrolled", $"{notEnrolled}");
        AnsiConsole.Write(table);
        return 0;
    }

    private static void Print(string probe, IdentificationResult result)
    {
        // The path goes on its own line: as a table title it would be cut to the table's width.
        AnsiConsole.MarkupLineInterpolated($"[bold]{probe}[/]");
        var table = new Table().AddColumns("rank", "identity", "score");
        for (var i = 0; i < result.Candidates.Count; i++)
            table.AddRow($"{i + 1}", Markup.Escape(result.Candidates[i].Identity), Score(result.Candidates[i].Score));
        AnsiConsole.Write(table);
        if (result.Identity is { } identity) AnsiConsole.MarkupLineInterpolated($"[green]{identity}[/]");
        else if (result.Candidates.Count == 0) AnsiConsole.MarkupLine("[yellow]unknown[/] (the gallery is empty)");
        else AnsiConsole.MarkupLine($"[yellow]unknown[/] (best score {Score(result.Candidates[0].Score)} < threshold {Score(result.OpenSetThreshold)})");
    }

    private static string Score(double cosine) => cosine.ToString("F4", CultureInfo.InvariantCulture);

    private static string Percent(double fraction) => (100 * fraction).ToString("F1", CultureInfo.InvariantCulture) + " %";
}
