using System.CommandLine;
using System.CommandLine.Invocation;

namespace Inspection.Host.Cli;

/// <summary>The <c>inspection</c> command tree.</summary>
public static class CommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Inspection: PatchCore visual anomaly detection for production lines.");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ClusterBenchCommand.Create());
        root.Subcommands.Add(BackboneBenchCommand.Create());
        root.Subcommands.Add(SynthCommand.Create());
        root.Subcommands.Add(ServeCommand.CreateNode());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(LoadTestCommand.Create());
        root.Subcommands.Add(SoakCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        return root;
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>. A command line that does not parse or validate (a missing or unknown
    /// option, a value out of range, an unusable path) ends here with one <c>error:</c> line and
    /// <see cref="ExitCodes.BadInput"/>, instead of System.CommandLine's error list followed by the whole help text.
    /// </summary>
    public static int Run(string[] args)
    {
        var parse = Build().Parse(args);
        if (parse.Action is not ParseErrorAction) return parse.Invoke();
        string messages = string.Join("; ", parse.Errors.Select(e => CommandRunner.OneLine(e.Message).TrimEnd('.')).Distinct());
        var command = parse.CommandResult.Command;
        string help = command is RootCommand ? "inspection --help" : $"inspection {command.Name} --help";
        Console.Error.WriteLine($"error: {messages} (see '{help}')");
        return ExitCodes.BadInput;
    }
}
