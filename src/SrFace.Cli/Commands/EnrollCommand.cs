using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using SrFace.Cli.Configuration;
using SrFace.Data;
using SrFace.Recognition;

namespace SrFace.Cli.Commands;

/// <summary>
/// <c>srface enroll DIR --gallery G.db --model M [--first N] [--replace] [--skip-failed] [--crop-fraction F] [--runtime torch|onnx]</c>: enrols a
/// folder-per-identity image set (LFW <c>NAME/NAME_0001.jpg</c>, ORL <c>sN/M.pgm</c>) into a gallery, creating the
/// gallery for this model when the file does not exist.
/// </summary>
internal sealed class EnrollCommand : Command<EnrollCommand.Settings>
{
    /// <summary>Options of <c>srface enroll</c>.</summary>
    public sealed class Settings : RecognitionSettings
    {
        /// <summary>Folder with one subfolder of images per identity.</summary>
        [CommandArgument(0, "<DIR>")]
        [Description("Folder with one subfolder of face images per identity (the subfolder name is the identity).")]
        public string Directory { get; init; } = "";

        /// <summary>Gallery connection string (<see cref="SrFace.Recognition.GalleryAddress"/>).</summary>
        [CommandOption("-g|--gallery <GALLERY>")]
        [Description("Gallery: a file path or sqlite:PATH (SQLite), or postgres://USER:PASSWORD@HOST:PORT/DATABASE?gallery=NAME (PostgreSQL + pgvector); created for this model when it does not exist.")]
        public string? Gallery { get; init; }


        /// <summary>Images per identity to enrol.</summary>
        [CommandOption("--first|--images-per-identity <N>")]
        [Description("Enrol only the first N images of each identity (natural file order: 2.pgm before 10.pgm). Default: all.")]
        public int? First { get; init; }

        /// <summary>Replace earlier enrolments instead of adding to them.</summary>
        [CommandOption("--replace")]
        [Description("Replace the earlier enrolment of an identity already in the gallery (default: add the images to it).")]
        public bool Replace { get; init; }

        /// <summary>Skip images that cannot be embedded instead of stopping at the first.</summary>
        [CommandOption("--skip-failed")]
        [Description("Skip images without a detectable face, unreadable images and faces too small, listing each with its reason, instead of stopping at the first (the default: nothing is enrolled when one image fails).")]
        public bool SkipFailed { get; init; }

        /// <summary>Face crop fraction overriding the model's.</summary>
        [CommandOption("--crop-fraction <F>")]
        [Description("Face crop as a fraction of the shorter image side, in (0, 1]] (default: the model's, and a tight face crop, below the model input for a model that crops or at most 64 px for one that aligns faces, is taken whole). Use 1.0 for ORL (92x112, face fills the frame).")]
        public double? CropFraction { get; init; }

        /// <inheritdoc />
        public override ValidationResult Validate() => RecognitionCli.Check(Model, null, null, CropFraction,
            (string.IsNullOrWhiteSpace(Gallery), "--gallery <GALLERY> is required."),
            (First is < 1, $"--first must be at least 1; got {First}."), RuntimeCheck);
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var dataset = FaceDataset.FromIdentityFolders(settings.Directory);
        var (model, service) = RecognitionCli.Load(settings, settings.CropFraction);
        var address = GalleryAddress.Parse(settings.Gallery!);
        var created = !address.Exists();
        using (model)
        using (var gallery = service.OpenOrCreateGallery(settings.Gallery!))
        {
            var skipped = settings.SkipFailed ? new List<SkippedImage>() : null;
            IReadOnlyList<EnrolledIdentity> enrolled;
            try
            {
                enrolled = RecognitionCli.WithProgress("embedding",
                    progress => service.EnrollDataset(gallery, dataset, settings.First, settings.Replace, progress, skipped));
                if (enrolled.Count == 0)
                    throw new InvalidDataException($"No image of {settings.Directory} could be enrolled ({skipped?.Count ?? 0} skipped: {string.Join("; ", (skipped ?? []).Take(3).Select(s => s.Reason))}).");
            }
            catch when (created && address.Backend == GalleryBackend.Sqlite)
            {
                // Nothing was enrolled: do not leave behind an empty gallery file that this run created.
                gallery.Dispose();
                foreach (var file in new[] { address.Target, address.Target + "-wal", address.Target + "-shm" }) File.Delete(file);
                throw;
            }
            foreach (var s in skipped ?? [])
                AnsiConsole.MarkupLineInterpolated($"[yellow]skipped[/] {(s.Reason.Contains(s.Path) ? s.Reason : $"{s.Path}: {s.Reason}")}");
            var images = enrolled.Sum(e => e.Images);
            AnsiConsole.MarkupLineInterpolated(
                $"[green]Enrolled {images} image(s) of {enrolled.Count} identit{(enrolled.Count == 1 ? "y" : "ies")}[/] into {gallery.Location} ({gallery.Count} identities in total; model {gallery.ModelId}, {gallery.EmbeddingDimension}-d).");
            var added = enrolled.Where(e => e.TotalImages > e.Images).ToList();
            if (added.Count > 0)
                AnsiConsole.MarkupLineInterpolated($"[yellow]{added.Count} identit{(added.Count == 1 ? "y was" : "ies were")} already enrolled; the new images were added (use --replace to replace).[/]");
            if (skipped is { Count: > 0 })
                AnsiConsole.MarkupLineInterpolated($"[yellow]{skipped.Count} image(s) skipped (listed above).[/]");
            return 0;
        }
    }
}
