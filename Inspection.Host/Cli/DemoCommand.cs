using System.CommandLine;
using Inspection.Engine.Data;

namespace Inspection.Host.Cli;

/// <summary>
/// <c>inspection demo</c>: needs no data. Generates a synthetic product line (textured parts with seeded defects and
/// masks), trains, inspects the test parts and prints the metrics and where the heatmaps went.
/// </summary>
public static class DemoCommand
{
    /// <summary>Fastest simulated camera: beyond it frames would be captured faster than a timer can tick.</summary>
    public const double MaxFramesPerSecond = 1000;

    public static Command Create()
    {
        var engine = new EngineOptions();
        var output = new Option<string?>("--out") { Description = "Folder for the synthetic data and the report (default: a new temporary folder)." }.OutputFolder();
        var lineSeed = new Option<int>("--line-seed") { Description = "Seed of the synthetic line.", DefaultValueFactory = _ => 7 };
        var fps = new Option<double>("--fps") { Description = $"Frame rate of the simulated camera in the pipeline phase (above 0, at most {MaxFramesPerSecond}).", DefaultValueFactory = _ => 10 }
            .InRange(0, MaxFramesPerSecond, aboveMin: true, hint: "frames per second");
        var enginOnly = new Option<bool>("--engine-only") { Description = "Skip the actor-pipeline phase." };
        var command = new Command("demo", "Run the whole method on a generated product line: no data needed.") { output, lineSeed, fps, enginOnly };
        engine.AddTo(command, training: true);
        command.SetAction(result => CommandRunner.Run(() =>
        {
            using var logging = engine.Logging(result);
            var logger = logging.CreateLogger("demo");
            var (settings, device) = engine.Prepare(result, logger);
            string folder = result.GetValue(output) ?? Path.Combine(Path.GetTempPath(), $"inspection-demo-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            string data = Path.Combine(folder, "synthetic_line");
            var summary = SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: result.GetValue(lineSeed)));
            Console.WriteLine($"synthetic line: {summary.TrainGood} good training parts, {summary.TestGood} good and " +
                              $"{summary.Defects.Values.Sum()} defective test parts ({string.Join(", ", summary.Defects.Select(d => $"{d.Value} {d.Key}"))}) in {data}");
            var evaluation = EvaluationRun.Execute(data, Path.Combine(folder, "report"), settings, device, logger);
            Console.WriteLine($"heatmaps of the hardest parts: {Path.Combine(folder, "report", "examples")}");
            if (result.GetValue(enginOnly)) return ExitCodes.Success;
            return PipelineDemo.Run(data, folder, settings, result.GetValue(engine.Device)!, evaluation, result.GetValue(fps)).GetAwaiter().GetResult();
        }));
        return command;
    }
}
