using System.CommandLine;
using Inspection.Engine.Data;

namespace Inspection.Host.Cli;

/// <summary><c>inspection synth --out &lt;dir&gt;</c>: writes the demo's synthetic product line (MVTec layout) to try the other commands on.</summary>
public static class SynthCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder to write the synthetic line into.", Required = true }.OutputFolder();
        var seed = new Option<int>("--seed") { Description = "Seed of the line.", DefaultValueFactory = _ => 7 };
        var train = new Option<int>("--train") { Description = "Good training images (1 to 10000).", DefaultValueFactory = _ => 40 }.InRange(1, 10_000);
        var strip = new Option<bool>("--strip") { Description = "An elongated line instead: long machined strips (1024 x 256 pixels, height x width) with small defects." };
        var command = new Command("synth", "Write a synthetic product line (textured parts, seeded defects, masks) in MVTec layout.") { output, seed, train, strip };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            var summary = result.GetValue(strip)
                ? SyntheticStripLine.Generate(result.GetValue(output)!, new SyntheticStripOptions(Seed: result.GetValue(seed), TrainGood: result.GetValue(train)))
                : SyntheticProductLine.Generate(result.GetValue(output)!, new SyntheticLineOptions(Seed: result.GetValue(seed), TrainGood: result.GetValue(train)));
            Console.WriteLine($"{summary.TrainGood} good training parts, {summary.TestGood} good and {summary.Defects.Values.Sum()} defective test parts in {summary.Folder}");
            return ExitCodes.Success;
        }));
        return command;
    }
}
