using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Cli.Configuration;
using SrFace.Models;
using SrFace.Models.Pretrained;

namespace SrFace.Cli.Commands;

/// <summary>
/// <c>srface models [--models DIR]</c>: the model store's pinned files (source package, size, verified or not) and
/// the pretrained recognisers they make available. Exit 0 when every file is verified, 2 otherwise (one line saying
/// which command fetches them).
/// </summary>
internal sealed class ModelsCommand : Command<ModelsCommand.Settings>
{
    /// <summary>Options of <c>srface models</c>.</summary>
    public sealed class Settings : CommandSettings
    {
        /// <summary>The model store folder.</summary>
        [CommandOption("--models <DIR>")]
        [Description("Model store folder (default: $" + ModelStore.EnvironmentVariable + ", else ~/.cache/srface/models).")]
        public string? Models { get; init; }
    }

    /// <inheritdoc />
    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var store = ModelSource.Store(settings.Models);
        var files = store.Inspect();
        if (files.All(f => f.State == ModelFileState.Missing))
        {
            CliErrors.Error.MarkupLineInterpolated($"[red]error:[/] the model store {store.Root} holds no pretrained model files; run {ModelStore.FetchCommand} {store.Root} to fetch them {ModelStore.FetchCommandSource}.");
            return VerifyCommand.ErrorExitCode;
        }
        AnsiConsole.WriteLine($"Model store: {store.Root}");
        var table = new Table().AddColumns("file", "source", "bytes", "state");
        foreach (var f in files)
            table.AddRow(Markup.Escape(f.File.PathInPackage), Markup.Escape($"{f.File.Package}@{f.File.Version}"), f.File.Bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                f.State switch { ModelFileState.Verified => "[green]verified (SHA-256)[/]", ModelFileState.Missing => "[yellow]missing[/]", _ => "[red]corrupt: SHA-256 differs[/]" });
        AnsiConsole.Write(table);
        // The thresholds the commands apply (cosine of unit-norm embeddings), not the authors' native ones (dlib: Euclidean 0.6).
        var recognizers = new Table().AddColumns("pretrained recogniser", "input", "alignment", "cosine threshold: verify / identify", "weights", "licence");
        foreach (var e in ModelCatalog.Recognizers.Values.Where(e => e.Pretrained is not null))
            recognizers.AddRow(e.Name + (e.Name == ModelSource.DefaultPretrained ? " (default)" : ""), $"{e.InputSize} px, {e.EmbeddingSize}-D",
                e.Alignment.ToString(), Markup.Escape(CosineThresholds(e)), Markup.Escape(e.Pretrained!.ToString()), e.Pretrained.Licence);
        AnsiConsole.Write(recognizers);
        var bad = files.Count(f => f.State != ModelFileState.Verified);
        if (bad == 0) return 0;
        CliErrors.Error.MarkupLineInterpolated($"[red]error:[/] {bad} model file(s) missing or corrupt in {store.Root}; run {ModelStore.FetchCommand} {store.Root} (it replaces corrupt files) {ModelStore.FetchCommandSource}.");
        return VerifyCommand.ErrorExitCode;
    }

    /// <summary>What verify (pairwise) and identify (open set, else the pairwise one) apply for a catalogue recogniser.</summary>
    private static string CosineThresholds(RecognizerEntry e)
    {
        static string F(double? t) => t?.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture) ?? "none";
        return $"{F(e.CalibratedThreshold)} / {F(e.CalibratedOpenSetThreshold ?? e.CalibratedThreshold)}";
    }
}
