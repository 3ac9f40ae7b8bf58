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
    /// <summary>
    /// Errors go to the current standard error (looked up on each use, so a redirected <see cref="Console.Error"/> is
    /// followed), never wrapped (one line per error even in logs and pipes).
    /// </summary>
    public static IAnsiConsole Error
    {
        get
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            console.Profile.Width = Math.Max(console.Profile.Width, 400);
            return console;
        }
    }

    /// <summary>
    /// Runs the CLI; returns its exit code: 2 for every failure (a usage error, an input the command cannot use such as
    /// an image without a face or a malformed pairs file, a model or gallery that cannot be
    /// read, a NaN embedding). Exit 1 is left to the commands' negative answers ("different people", "not enrolled"),
    /// so a script never takes a failure for an answer.
    /// </summary>
    /// <param name="run">Runs the command app.</param>
    /// <param name="args">The command line, to name the flag of a value that does not convert.</param>
    public static int Run(Func<int> run, IReadOnlyList<string>? args = null)
    {
        try
        {
            return run();
        }
        catch (CommandAppException e)
        {
            Report(ConversionMessage(e.Message, args ?? []) ?? e.Message, e);
            return 2;
        }
        catch (Exception e)
        {
            Report(OneLine(e), e);
            return 2;
        }
    }

    /// <summary>
    /// Spectre reports a value that does not convert as "Failed to convert 'abc' to Nullable`1." without the flag:
    /// finds the flag in the command line (<c>--flag value</c> or <c>--flag=value</c>) and the kind of value it takes.
    /// </summary>
    /// <returns>E.g. "--iterations: 'abc' is not a whole number.", or null when the message is of another kind.</returns>
    internal static string? ConversionMessage(string message, IReadOnlyList<string> args)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message, "^Failed to convert '(.*)' to ");
        if (!match.Success) return null;
        var value = match.Groups[1].Value;
        string? flag = null;
        for (var i = 0; i < args.Count && flag is null; i++)
        {
            if (i > 0 && args[i] == value && args[i - 1].StartsWith('-')) flag = args[i - 1];
            else if (args[i].StartsWith('-') && args[i].EndsWith("=" + value, StringComparison.Ordinal)) flag = args[i][..^(value.Length + 1)];
        }
        if (flag is null) return null;
        var kind = OptionType(flag) switch
        {
            { } t when t == typeof(int) || t == typeof(long) => "a whole number",
            { } t when t == typeof(double) || t == typeof(float) => "a number",
            _ => "a valid value",
        };
        return $"{flag}: '{value}' is not {kind}.";
    }

    /// <summary>The value type of the option spelled <paramref name="flag"/> in any command's settings, or null.</summary>
    private static Type? OptionType(string flag)
    {
        var name = flag.TrimStart('-');
        var types = typeof(CliErrors).Assembly.GetTypes().Where(t => typeof(CommandSettings).IsAssignableFrom(t));
        foreach (var property in types.SelectMany(t => t.GetProperties()))
            if (property.GetCustomAttributes(typeof(CommandOptionAttribute), true) is [CommandOptionAttribute option, ..]
                && (option.LongNames.Contains(name) || option.ShortNames.Contains(name)))
                return Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return null;
    }

    /// <summary>The one-line message of a failure: the message of the expected kinds, the first line and type otherwise.</summary>
    public static string OneLine(Exception e) => e switch
    {
        // An argument error is the user's option: its sentence, without .NET's "(Parameter 'X')" and "Actual value was" tails.
        ArgumentException { ParamName: { } name } a => a.Message.Split('\n')[0].Replace($" (Parameter '{name}')", "", StringComparison.Ordinal),
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
