using System.CommandLine;
using System.Text.Json;
using Inspection.Host.Simulation;

namespace Inspection.Host.Cli;

/// <summary>
/// <c>inspection simulate</c>: runs a factory scenario (lines, cameras, gpu nodes and a fault schedule, from a JSON
/// file; examples in tests/scenarios/) on in-process nodes over TCP and reports per line what the cameras captured and
/// what became of it. Exit 0 when no frame was lost and every fault applied, 1 otherwise.
/// </summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var scenario = new Option<string>("--scenario") { Description = "Scenario file (JSON): lines, cameras, gpu nodes, faults.", Required = true };
        var output = new Option<string?>("--out") { Description = "Also write the report as JSON to this file." }.OutputFile("report");
        var quiet = new Option<bool>("--quiet") { Description = "Print the report only, not the progress." };
        var command = new Command("simulate", "Run a factory scenario (N lines x M cameras x K gpu nodes, with faults) and report captured, scored, failed, dropped and lost frames per line.")
            { scenario, output, quiet };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var loaded = Scenario.Load(result.GetValue(scenario)!);
            bool silent = result.GetValue(quiet);
            var report = FactorySimulation.Run(loaded, silent ? null : m => Console.Error.WriteLine(m)).GetAwaiter().GetResult();
            Console.WriteLine(report.ToText());
            if (result.GetValue(output) is { } file)
                File.WriteAllText(file, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
                    NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            return report.Passed ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }
}
