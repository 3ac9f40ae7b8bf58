using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Recognition;

namespace SrFace.Cli.Commands;

/// <summary>Options shared by <c>srface gallery list|delete</c>.</summary>
internal class GallerySettings : CommandSettings
{
    /// <summary>Gallery connection string (<see cref="SrFace.Recognition.GalleryAddress"/>).</summary>
    [CommandOption("-g|--gallery <GALLERY>")]
    [Description("Gallery made by `srface enroll`: a file path or sqlite:PATH (SQLite), or postgres://USER:PASSWORD@HOST:PORT/DATABASE?gallery=NAME (PostgreSQL + pgvector).")]
    public string? Gallery { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Gallery) ? ValidationResult.Error("--gallery <GALLERY> is required.") : ValidationResult.Success();
}

/// <summary><c>srface gallery list --gallery G.db</c>: the gallery's model, embedding width and enrolled identities.</summary>
internal sealed class GalleryListCommand : Command<GallerySettings>
{
    public override int Execute(CommandContext context, GallerySettings settings, CancellationToken cancellationToken)
    {
        using var gallery = FaceGallery.Open(settings.Gallery!);
        var identities = gallery.ListIdentities();
        AnsiConsole.MarkupLineInterpolated($"[bold]{gallery.Location}[/]: model {gallery.ModelId}, {gallery.EmbeddingDimension}-d embeddings");
        var table = new Table().AddColumns("identity", "images");
        foreach (var identity in identities) table.AddRow(Markup.Escape(identity.Name), $"{identity.ImageCount}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"{identities.Count} identities, {identities.Sum(i => i.ImageCount)} images.");
        return 0;
    }
}

/// <summary><c>srface gallery delete NAME --gallery G.db</c>: removes one identity; exit code 1 when it is not enrolled.</summary>
internal sealed class GalleryDeleteCommand : Command<GalleryDeleteCommand.Settings>
{
    /// <summary>Options of <c>srface gallery delete</c>.</summary>
    public sealed class Settings : GallerySettings
    {
        /// <summary>Identity to remove.</summary>
        [CommandArgument(0, "<NAME>")]
        [Description("Identity to remove (exact, case-sensitive name as `srface gallery list` shows it).")]
        public string Name { get; init; } = "";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var gallery = FaceGallery.Open(settings.Gallery!);
        if (!gallery.Delete(settings.Name))
        {
            // Help with a typo or case slip: name the closest enrolled identities.
            var similar = gallery.ListIdentities().Select(i => i.Name)
                .Where(n => n.Contains(settings.Name, StringComparison.OrdinalIgnoreCase) || settings.Name.Contains(n, StringComparison.OrdinalIgnoreCase))
                .OrderBy(n => string.Equals(n, settings.Name, StringComparison.OrdinalIgnoreCase) ? 0 : 1).ThenBy(n => n.Length)
                .Take(5).ToList();
            var hint = similar.Count > 0 ? $" Did you mean: {string.Join(", ", similar)}?" : $" It holds {gallery.Count} identities (`srface gallery list`).";
            CliErrors.Error.MarkupLineInterpolated($"[red]error:[/] no identity '{settings.Name}' in gallery {gallery.Location}.{hint}");
            return 1;
        }
        AnsiConsole.MarkupLineInterpolated($"Deleted '{settings.Name}' from {gallery.Location} ({gallery.Count} identities left).");
        return 0;
    }
}
