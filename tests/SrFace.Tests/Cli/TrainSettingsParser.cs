using Spectre.Console.Cli;
using SrFace.Cli.Configuration;

namespace SrFace.Tests.Cli;

/// <summary>Parses <c>srface train</c> arguments with Spectre's real parser into <see cref="TrainSettings"/> (validation included), without training.</summary>
internal static class TrainSettingsParser
{
    /// <summary>The settings Spectre built from <paramref name="args"/>; fails the test when parsing does not succeed.</summary>
    public static TrainSettings Parse(params string[] args)
    {
        var app = new CommandApp<CaptureCommand>();
        app.Configure(c => c.PropagateExceptions());
        CaptureCommand.Last = null;
        Assert.Equal(0, app.Run(args));
        return CaptureCommand.Last!;
    }

    /// <summary>Records the settings Spectre built instead of training.</summary>
    private sealed class CaptureCommand : Command<TrainSettings>
    {
        [ThreadStatic] public static TrainSettings? Last;

        public override int Execute(CommandContext context, TrainSettings settings, CancellationToken cancellationToken)
        {
            Last = settings;
            return 0;
        }
    }
}
