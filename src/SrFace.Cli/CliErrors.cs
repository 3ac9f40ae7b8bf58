using Spectre.Console;
using Spectre.Console.Cli;

namespace SrFace.Cli;

/// <summary>
/// Turns exceptions into one clear red line on standard error and a non-zero exit code: no stack trace for user
/// errors (set <c>SRFACE_DEBUG=1</c> to see one), so scripts reading standard output (e.g. <c>verify --json</c>) only
/// ever see results there.
/// </summary>
internal static class CliErrors
{
    /// <summary>Errors go to standard error, never wrapped (one line per error even in logs and pipes).</summary>
    public static IAnsiConsole Error { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Runs the CLI; returns its exit code, 2 for a usage error, 1 for any other failure.</summary>
    public static int Run(Func<int> run)
    {
        Error.Profile.Width = Math.Max(Error.Profile.Width, 400);
        try
        {
            return run();
        }
        catch (CommandAppException e)
        {
            Report(e.Message, e);
            return 2;
        }
        catch (Exception e)
        {
            Report(OneLine(e), e);
            return 1;
        }
    }

    /// <summary>The one-line message of a failure: the message of the expected kinds, the first line and type otherwise.</summary>
    public static string OneLine(Exception e) => e switch
    {
        IOException or InvalidDataException or ArgumentException or InvalidOperationException or FormatException
            or UnauthorizedAccessException or NotSupportedException => e.Message,
        // libtorch refused the work (typically an allocation for absurd sizes): its first line says why.
        System.Runtime.InteropServices.ExternalException => $"libtorch: {e.Message.Split('\n')[0]} (out of memory or sizes too large?)",
        _ => $"{e.GetType().Name}: {e.Message.Split('\n')[0]}",
    };

    /// <summary>Writes one red error line on standard error (and the stack trace with <c>SRFACE_DEBUG=1</c>).</summary>
    public static void Report(string message, Exception e)
    {
        Error.MarkupLineInterpolated($"[red]error:[/] {message}");
        if (Environment.GetEnvironmentVariable("SRFACE_DEBUG") == "1") Error.WriteException(e);
    }
}
