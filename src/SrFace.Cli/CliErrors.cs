using Spectre.Console;
using Spectre.Console.Cli;

namespace SrFace.Cli;

/// <summary>Turns exceptions into one clear red line and a non-zero exit code (no stack trace for user errors).</summary>
internal static class CliErrors
{
    /// <summary>Runs the CLI; returns its exit code, or 2 for a usage error and 1 for any other failure.</summary>
    public static int Run(Func<int> run)
    {
        try
        {
            return run();
        }
        catch (CommandAppException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException or FormatException or UnauthorizedAccessException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            if (Environment.GetEnvironmentVariable("SRFACE_DEBUG") == "1") AnsiConsole.WriteException(e);
            return 1;
        }
    }
}
