using System.Xml.Linq;
using Spectre.Console;
using SrFace.Cli;

namespace SrFace.Tests.Cli;

/// <summary>
/// Runs the real <c>srface</c> entry point (Program.cs, as registered there) in-process with its output captured: the
/// command model comes from Spectre's own <c>cli xmldoc</c>, so a command added to Program.cs is covered without
/// touching this test.
/// </summary>
[Collection(TorchCollection.Name)]
public class CliHelpTests
{
    [Fact]
    public void Help_of_every_command_and_sub_command_renders_and_lists_each_option()
    {
        var (code, xml) = RunProgram("cli", "xmldoc");
        Assert.Equal(0, code);
        var commands = Leaves(XDocument.Parse(xml).Root!, []).ToArray();
        // The commands of Program.cs at the time of writing; more may be added.
        foreach (var expected in new[] { "train", "verify", "identify", "enroll", "evaluate", "demo", "data", "doctor", "version", "gallery list", "gallery delete" })
            Assert.Contains(expected, commands.Select(c => string.Join(' ', c.Path)));

        foreach (var (path, command) in commands)
        {
            var (helpCode, help) = RunProgram([.. path, "--help"]);
            var name = string.Join(' ', path);
            Assert.True(helpCode == 0, $"`srface {name} --help` exited {helpCode}: {help}");
            Assert.Contains("OPTIONS:", help);
            foreach (var option in command.Element("Parameters")?.Elements("Option") ?? [])
            {
                var spelled = option.Attribute("Long")!.Value is { Length: > 0 } l ? $"--{l.Split(',')[0]}" : $"-{option.Attribute("Short")!.Value.Split(',')[0]}";
                Assert.True(help.Contains(spelled, StringComparison.Ordinal), $"`srface {name} --help` does not list {spelled}:\n{help}");
            }
            foreach (var argument in command.Element("Parameters")?.Elements("Argument") ?? [])
                Assert.Contains(argument.Attribute("Name")!.Value, help);
        }
    }

    [Fact]
    public void The_top_level_help_lists_every_command()
    {
        var (code, help) = RunProgram("--help");
        Assert.Equal(0, code);
        foreach (var command in new[] { "train", "verify", "identify", "enroll", "evaluate", "demo", "data", "doctor", "gallery" })
            Assert.Contains(command, help);
    }

    private static IEnumerable<(string[] Path, XElement Command)> Leaves(XElement parent, string[] path)
    {
        foreach (var command in parent.Elements("Command"))
        {
            string[] here = [.. path, command.Attribute("Name")!.Value];
            if (command.Attribute("IsBranch")?.Value == "true")
                foreach (var leaf in Leaves(command, here)) yield return leaf;
            else
                yield return (here, command);
        }
    }

    /// <summary>Runs Program.cs's entry point with standard output and error captured (wide, no colours).</summary>
    internal static (int Code, string Output) RunProgram(params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(writer) });
        console.Profile.Width = 400;
        var previous = AnsiConsole.Console;
        var (previousOut, previousError) = (Console.Out, Console.Error);
        var error = new StringWriter();
        AnsiConsole.Console = console;
        Console.SetOut(writer);
        Console.SetError(error);
        try
        {
            var code = (int)typeof(CliErrors).Assembly.EntryPoint!.Invoke(null, [args])!;
            return (code, writer + error.ToString());
        }
        finally
        {
            AnsiConsole.Console = previous;
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }
}
