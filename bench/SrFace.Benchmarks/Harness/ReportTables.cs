using System.Globalization;
using Spectre.Console;
using SrFace.Runtime;

namespace SrFace.Benchmarks.Harness;

/// <summary>Spectre.Console tables of the results: the machine, one table of cases and one of ratios per suite.</summary>
internal static class ReportTables
{
    public static void WriteMachine(RuntimeInfo runtime, MachineLoad? load, RunProfile profile)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("machine", "");
        foreach (var (name, value) in runtime.Rows) table.AddRow(name, Markup.Escape(value));
        table.AddRow("load average", load?.ToString() ?? "unknown");
        table.AddRow("repetitions", $"steps: {profile.StepWarmup} warm-up + {profile.StepRepetitions} timed; single faces: {profile.LatencyWarmup} + {profile.LatencyRepetitions}");
        AnsiConsole.Write(table);
    }

    public static void WriteSuite(SuiteResult suite)
    {
        AnsiConsole.Write(new Rule($"[bold]{suite.Suite}[/]").LeftJustified());
        AnsiConsole.MarkupLine($"data: {Markup.Escape(suite.DataSource)}");
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("case", "S", "prec", "items/run")
            .AddColumn(new TableColumn("median s").RightAligned())
            .AddColumn(new TableColumn("min-max s").RightAligned())
            .AddColumn(new TableColumn("spread").RightAligned())
            .AddColumn(new TableColumn("items/s").RightAligned())
            .AddColumn(new TableColumn("ms/item").RightAligned());
        foreach (var c in suite.Cases)
        {
            table.AddRow(Markup.Escape(c.Case), c.Size.ToString(CultureInfo.InvariantCulture), c.Precision,
                $"{c.ItemsPerRun} {c.Unit}", Seconds(c.Timing.Median), $"{Seconds(c.Timing.Min)}-{Seconds(c.Timing.Max)}",
                $"{c.Timing.RelativeSpread:P0}", c.ItemsPerSecond.ToString("0.0", CultureInfo.InvariantCulture),
                c.MillisecondsPerItem.ToString("0.00", CultureInfo.InvariantCulture));
        }
        if (suite.Cases.Count > 0) AnsiConsole.Write(table);                 // a counting suite (detection-reach) has notes only
        var ratios = new Table().Border(TableBorder.Rounded).AddColumn("ratio (same run)").AddColumn(new TableColumn("value").RightAligned());
        foreach (var r in suite.Ratios) ratios.AddRow(Markup.Escape(r.Name), r.Value.ToString("0.00", CultureInfo.InvariantCulture) + "x");
        if (suite.Ratios.Count > 0) AnsiConsole.Write(ratios);
        foreach (var note in suite.Notes) AnsiConsole.MarkupLine($"[grey]{Markup.Escape(note)}[/]");
    }

    private static string Seconds(double s) => s.ToString(s < 0.1 ? "0.0000" : "0.000", CultureInfo.InvariantCulture);
}
