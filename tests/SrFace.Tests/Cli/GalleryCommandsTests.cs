using Spectre.Console.Cli;
using SrFace.Cli;
using SrFace.Cli.Commands;
using SrFace.Recognition;
using SrFace.Tests.Recognition;

namespace SrFace.Tests.Cli;

/// <summary>Runs the recognition commands as Program.cs registers them (same names, CliErrors exit codes), or parses only.</summary>
internal static class RecognitionCliHarness
{
    // A plain static: Spectre runs the command in an async flow whose AsyncLocal changes do not come back, and the CLI
    // tests run one at a time (torch collection).
    private static CommandSettings? _parsed;

    /// <summary>Runs the real commands; returns the exit code (2 usage error, 1 other error, as the CLI does).</summary>
    public static int Run(params string[] args)
    {
        var app = new CommandApp();
        app.Configure(c =>
        {
            c.PropagateExceptions();
            c.AddCommand<EnrollCommand>("enroll");
            c.AddBranch("gallery", g => { g.AddCommand<GalleryListCommand>("list"); g.AddCommand<GalleryDeleteCommand>("delete"); });
            c.AddCommand<IdentifyCommand>("identify");
            c.AddCommand<VerifyCommand>("verify");
            c.AddCommand<ExportCommand>("export");
        });
        return CliErrors.Run(() => app.Run(args));
    }

    /// <summary>Parses and validates <paramref name="args"/> into <typeparamref name="TSettings"/> without running a command.</summary>
    public static TSettings Parse<TSettings>(params string[] args) where TSettings : CommandSettings
    {
        var app = new CommandApp();
        app.Configure(c =>
        {
            c.PropagateExceptions();
            c.AddCommand<Capture<EnrollCommand.Settings>>("enroll");
            c.AddBranch("gallery", g => { g.AddCommand<Capture<GallerySettings>>("list"); g.AddCommand<Capture<GalleryDeleteCommand.Settings>>("delete"); });
            c.AddCommand<Capture<IdentifyCommand.Settings>>("identify");
            c.AddCommand<Capture<VerifyCommand.Settings>>("verify");
        });
        _parsed = null;
        Assert.Equal(0, app.Run(args));
        return Assert.IsType<TSettings>(_parsed);
    }

    private sealed class Capture<TSettings> : Command<TSettings> where TSettings : CommandSettings
    {
        public override int Execute(CommandContext context, TSettings settings, CancellationToken cancellationToken)
        {
            _parsed = settings;
            return 0;
        }
    }
}

[Collection(TorchCollection.Name)]
public class GalleryCommandsTests
{
    [Fact]
    public void Parses_list_and_delete()
    {
        Assert.Equal("g.db", RecognitionCliHarness.Parse<GallerySettings>("gallery", "list", "--gallery", "g.db").Gallery);
        var delete = RecognitionCliHarness.Parse<GalleryDeleteCommand.Settings>("gallery", "delete", "Tony_Blair", "-g", "g.db");
        Assert.Equal(("Tony_Blair", "g.db"), (delete.Name, delete.Gallery));
        Assert.Equal(2, RecognitionCliHarness.Run("gallery", "list"));              // --gallery missing
        Assert.Equal(2, RecognitionCliHarness.Run("gallery", "delete", "--gallery", "g.db")); // NAME missing
    }

    [Theory]
    [InlineData("verify")]
    [InlineData("enroll")]
    [InlineData("identify")]
    [InlineData("gallery", "list")]
    [InlineData("gallery", "delete")]
    public void Help_renders(params string[] command)
    {
        // Option descriptions are Spectre markup: an unescaped "[-1, 1]" would fail here.
        Assert.Equal(0, RecognitionCliHarness.Run([.. command, "--help"]));
    }

    [Fact]
    public void List_delete_and_absent_or_corrupt_galleries()
    {
        var path = Path.Combine(TestData.NewTempDir(), "g.db");
        using (var gallery = FaceGallery.Create(path, "test-model", 2))
        {
            gallery.Enroll("alice", [("a.jpg", [1f, 0f])]);
            gallery.Enroll("bob", [("b.jpg", [0f, 1f])]);
        }
        Assert.Equal(0, RecognitionCliHarness.Run("gallery", "list", "--gallery", path));
        Assert.Equal(0, RecognitionCliHarness.Run("gallery", "delete", "alice", "--gallery", path));
        Assert.Equal(1, RecognitionCliHarness.Run("gallery", "delete", "alice", "--gallery", path)); // already gone
        Assert.Equal(1, RecognitionCliHarness.Run("gallery", "delete", "Bob", "--gallery", path));   // names are case-sensitive
        using (var gallery = FaceGallery.Open(path))
            Assert.Equal(["bob"], gallery.ListIdentities().Select(i => i.Name));

        var corrupt = Path.Combine(TestData.NewTempDir(), "corrupt.db");
        File.WriteAllBytes(corrupt, Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray());
        Assert.Equal(2, RecognitionCliHarness.Run("gallery", "list", "--gallery", corrupt));
        Assert.Equal(2, RecognitionCliHarness.Run("gallery", "delete", "bob", "--gallery", corrupt));
        Assert.Equal(2, RecognitionCliHarness.Run("gallery", "list", "--gallery", Path.Combine(TestData.NewTempDir(), "missing.db")));
    }

    [Fact]
    public void Identify_with_a_corrupt_gallery_is_a_one_line_error()
    {
        var corrupt = Path.Combine(TestData.NewTempDir(), "corrupt.db");
        File.WriteAllText(corrupt, new string('x', 5000));
        var probe = TinyCascade.People.Samples[0].Path;
        Assert.Equal(2, RecognitionCliHarness.Run("identify", probe, "--gallery", corrupt, "--model", TinyCascade.ModelPath));
        Assert.Equal(2, RecognitionCliHarness.Run("enroll", TinyCascade.IdentityFolders(1), "--gallery", corrupt, "--model", TinyCascade.ModelPath));
    }
}
