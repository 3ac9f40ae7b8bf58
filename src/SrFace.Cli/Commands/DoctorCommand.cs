using System.ComponentModel;
using System.Globalization;
using SrFace.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SrFace.Cli.Commands;

/// <summary>
/// <c>srface doctor</c>: prints the runtime (versions, threads, CPU ISA) and checks that float32 convolutions compute
/// correct outputs and gradients in the channels-last layout SrFace trains in. Exit 0 when every case passes, 1 with
/// one red line naming the failing case otherwise.
/// </summary>
internal sealed class DoctorCommand : Command<DoctorCommand.Settings>
{
    /// <summary>Options of <c>srface doctor</c>.</summary>
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--repeats <N>")]
        [Description("Random inputs per convolution case (the fault is intermittent). Default 5.")]
        [DefaultValue(5)]
        public int Repeats { get; init; } = 5;

        [CommandOption("--batch <N>")]
        [Description("Batch size of the random inputs. Default 4.")]
        [DefaultValue(4)]
        public int Batch { get; init; } = 4;

        [CommandOption("--size <PIXELS>")]
        [Description("Height and width of the random inputs. Default 24.")]
        [DefaultValue(24)]
        public int Size { get; init; } = 24;

        [CommandOption("--threads <N>")]
        [Description("Torch intra-op threads. Default: the core count.")]
        public int? Threads { get; init; }

        [CommandOption("--nchw")]
        [Description("Also run the check in NCHW layout, to show the oneDNN fault; it does not change the exit code.")]
        public bool Nchw { get; init; }

        public override ValidationResult Validate() =>
            Repeats < 1 ? ValidationResult.Error($"--repeats must be at least 1; got {Repeats}.")
            : Batch < 1 ? ValidationResult.Error($"--batch must be at least 1; got {Batch}.")
            : Size < 1 ? ValidationResult.Error($"--size must be at least 1; got {Size}.")
            : Threads < 1 ? ValidationResult.Error($"--threads must be at least 1; got {Threads}.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TorchSetup.Initialise(settings.Threads);
        var info = RuntimeInfo.Collect();
        var runtime = new Table().AddColumns("runtime", "value");
        foreach (var (name, value) in info.Rows) runtime.AddRow(Markup.Escape(name), Markup.Escape(value));
        AnsiConsole.Write(runtime);

        var options = new ConvGradientCheckOptions(settings.Batch, settings.Size, settings.Repeats);
        var results = ConvGradientCheck.Run(options, ConvLayout.ChannelsLast).ToList();
        if (settings.Nchw) results.AddRange(ConvGradientCheck.Run(options, ConvLayout.Nchw));
        AnsiConsole.Write(ResultTable(results, options));

        var failing = results.Where(r => r.Layout == ConvLayout.ChannelsLast && !r.Passed).ToList();
        if (failing.Count == 0)
        {
            AnsiConsole.MarkupLine("[green]ok:[/] float32 channels-last convolution outputs and gradients match float64.");
            return 0;
        }
        var first = failing[0];
        AnsiConsole.MarkupLineInterpolated(
            $"[red]error:[/] this runtime computes wrong convolution results: conv {first.Case} channels-last failed {first.FailedRepeats}/{first.Repeats} repeats (input-gradient rel. error {Format(first.InputGradient.RelativeError)}){(failing.Count > 1 ? $", and {failing.Count - 1} more case(s)" : "")}; do not train here.");
        return 1;
    }

    private static Table ResultTable(IEnumerable<ConvCaseResult> results, ConvGradientCheckOptions options)
    {
        var table = new Table()
            .Title($"conv2d float32 vs float64, N={options.Batch}, {options.Size}x{options.Size}, rel. tolerance {Format(options.Tolerance)}")
            .AddColumns("conv", "layout", "output abs/rel", "dL/dx abs/rel", "dL/dW abs/rel", "failed", "result");
        foreach (var r in results)
        {
            var verdict = r.Passed ? "[green]pass[/]" : r.Layout == ConvLayout.Nchw ? "[yellow]wrong (NCHW trap)[/]" : "[red]FAIL[/]";
            table.AddRow(r.Case.ToString(), r.Layout == ConvLayout.ChannelsLast ? "NHWC" : "NCHW", Figures(r.Output), Figures(r.InputGradient), Figures(r.WeightGradient),
                $"{r.FailedRepeats}/{r.Repeats}", verdict);
        }
        return table;
    }

    private static string Figures(ErrorFigures e) => $"{Format(e.MaxAbsError)} / {Format(e.RelativeError)}";

    private static string Format(double value) => value.ToString("0.0e+0", CultureInfo.InvariantCulture);
}
