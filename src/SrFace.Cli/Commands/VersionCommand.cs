using Spectre.Console;
using Spectre.Console.Cli;

namespace SrFace.Cli.Commands;

/// <summary><c>srface version</c> (and <c>srface --version</c>): prints the SrFace, TorchSharp and libtorch versions;
/// where libtorch cannot be loaded (an ONNX-only install) it says so in one line instead of failing.</summary>
internal sealed class VersionCommand : Command
{
    /// <summary>SrFace's version (the library assembly's).</summary>
    public static string SrFaceVersion => typeof(SrFace.Runtime.ChannelsLast).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var torchSharp = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "unknown";
        string libtorch;
        try
        {
            libtorch = TorchSharp.torch.__version__;
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException)
        {
            libtorch = $"not loadable here ({e.Message.Split('\n')[0].Trim()}); the ONNX Runtime paths (--runtime onnx) do not need it";
        }
        AnsiConsole.WriteLine($"srface {SrFaceVersion} (TorchSharp {torchSharp}, libtorch {libtorch})");
        return 0;
    }
}
