using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Data;
using SrFace.Cli.Configuration;

namespace SrFace.Cli.Commands;

/// <summary>
/// <c>srface data [--data DIR]</c>: checks the face datasets (LFW deep-funneled, ORL), the LFW View 1 people
/// lists and all three LFW pair files, and prints their figures. Exit code 1 when any check fails.
/// </summary>
internal sealed class DataCommand : Command<DataCommand.Settings>
{
    /// <summary>Options of <c>srface data</c>.</summary>
    public sealed class Settings : CommandSettings
    {
        /// <summary>The datasets folder; defaults to <c>../shared/datasets</c> when that exists.</summary>
        [CommandOption("--data <DIR>")]
        [Description("Datasets folder holding lfw/ and orl/ (default: ../shared/datasets if present).")]
        public string? Data { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var root = DatasetsFolder.Resolve(settings.Data);
        var lfw = Path.Combine(root, "lfw");
        var lfwImages = Path.Combine(lfw, "lfw-deepfunneled");
        var errors = new List<string>(); // printed under the tables, where long paths do not wrap

        var datasets = new Table().Title($"Datasets in {Markup.Escape(root)}")
            .AddColumns("dataset", "people", "images", "people with 2+ images", "status");
        void AddDataset(string name, Func<FaceDataset> load)
        {
            try
            {
                var stats = load().Statistics();
                datasets.AddRow(Markup.Escape(name), $"{stats.People:N0}", $"{stats.Images:N0}", $"{stats.PeopleWithAtLeastTwoImages:N0}", "[green]ok[/]");
            }
            catch (Exception e) when (IsDataError(e))
            {
                errors.Add($"{name}: {e.Message}");
                datasets.AddRow(Markup.Escape(name), "-", "-", "-", "[red]failed[/]");
            }
        }
        AddDataset("lfw/lfw-deepfunneled", () => FaceDataset.FromIdentityFolders(lfwImages));
        foreach (var list in new[] { "peopleDevTrain.txt", "peopleDevTest.txt" })
            AddDataset($"lfw/{list}", () => FaceDataset.FromIdentityFolders(lfwImages, PeopleList.Read(Path.Combine(lfw, list))));
        AddDataset("orl", () => FaceDataset.FromIdentityFolders(Path.Combine(root, "orl")));
        AnsiConsole.Write(datasets);

        var pairsTable = new Table().Title("LFW pair files")
            .AddColumns("file", "pairs", "folds", "same/fold", "people", "missing", "status");
        foreach (var file in new[] { "pairs.txt", "pairsDevTrain.txt", "pairsDevTest.txt" })
        {
            try
            {
                // Read without the existence check so every missing image is counted, not just the first.
                var pairs = LfwPairs.Read(Path.Combine(lfw, file), lfwImages, checkImagesExist: false);
                var missing = pairs.MissingImages();
                errors.AddRange(MissingImageErrors(file, pairs));
                var status = missing.Count == 0 ? "[green]ok[/]" : "[red]failed[/]";
                pairsTable.AddRow(file, $"{pairs.Pairs.Count:N0}", $"{pairs.FoldCount}", $"{pairs.MatchedPerFold:N0}",
                    $"{pairs.Identities.Count:N0}", $"{missing.Count}", status);
            }
            catch (Exception e) when (IsDataError(e))
            {
                errors.Add($"{file}: {e.Message}");
                pairsTable.AddRow(file, "-", "-", "-", "-", "-", "[red]failed[/]");
            }
        }
        AnsiConsole.Write(pairsTable);

        foreach (var error in errors) CliErrors.Error.MarkupLineInterpolated($"[red]error:[/] {error}");
        if (errors.Count == 0) AnsiConsole.MarkupLine("[green]All dataset checks passed.[/]");
        return errors.Count == 0 ? 0 : 1;
    }

    /// <summary>Lines of a pairs file whose images are missing, one error each (the first <paramref name="max"/>, then a count).</summary>
    internal static IEnumerable<string> MissingImageErrors(string file, LfwPairs pairs, int max = 10)
    {
        var missing = pairs.MissingImageLines();
        foreach (var (line, path) in missing.Take(max)) yield return $"{file} line {line}: image missing: {path}";
        if (missing.Count > max) yield return $"{file}: {missing.Count - max} more missing image(s) on later lines ({missing.Count} in all).";
    }

    private static bool IsDataError(Exception e) =>
        e is IOException or FormatException or InvalidDataException or UnauthorizedAccessException;
}
