using System.CommandLine;

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
        root.Subcommands.Add(BackboneBenchCommand.Create());
        root.Subcommands.Add(SynthCommand.Create());
        root.Subcommands.Add(NodeCommand.Create());
        return root;
    }
}
