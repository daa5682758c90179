using System.CommandLine;

namespace Inspection.Host.Cli;

/// <summary><c>inspection evaluate --data &lt;category&gt; [--out &lt;dir&gt;]</c>: train, test, metrics and a report.</summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var engine = new EngineOptions();
        var data = new Option<string>("--data") { Description = "Category folder in MVTec layout with train/good and test/.", Required = true };
        var output = new Option<string?>("--out") { Description = "Folder for report.json, report.md and plots." }.OutputFolder();
        var trainLimit = new Option<int?>("--train-limit") { Description = "Train on this many train/good images, evenly spaced (as the reference's --train-limit)." }
            .InRange(1, 1_000_000);
        var command = new Command("evaluate", "Train on train/good, score test/, print metrics and write a report.") { data, output, trainLimit };
        engine.AddTo(command, training: true, tiling: true);
        command.SetAction(result => CommandRunner.Run(() =>
        {
            using var logging = engine.Logging(result);
            var logger = logging.CreateLogger("evaluate");
            var (settings, device) = engine.Prepare(result, logger);
            EvaluationRun.Execute(result.GetValue(data)!, result.GetValue(output), settings, device, logger, result.GetValue(trainLimit));
            return ExitCodes.Success;
        }));
        return command;
    }
}
