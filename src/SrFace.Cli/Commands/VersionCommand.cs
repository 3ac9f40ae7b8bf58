using Spectre.Console;
using Spectre.Console.Cli;

namespace SrFace.Cli.Commands;

/// <summary><c>srface version</c>: prints the SrFace and libtorch versions.</summary>
internal sealed class VersionCommand : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var version = typeof(SrFace.Runtime.ChannelsLast).Assembly.GetName().Version;
        AnsiConsole.WriteLine($"srface {version} (libtorch {TorchSharp.torch.__version__})");
        return 0;
    }
}
