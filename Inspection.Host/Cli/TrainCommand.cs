using System.CommandLine;
using Inspection.Engine.Data;
using Inspection.Engine.Evaluation;
using Inspection.Engine.PatchCore;
using Microsoft.Extensions.Logging;

namespace Inspection.Host.Cli;

/// <summary><c>inspection train --data &lt;category&gt; --out &lt;model file&gt;</c></summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var engine = new EngineOptions();
        var data = new Option<string>("--data") { Description = "Category folder in MVTec layout (train/good, optional validation/good).", Required = true };
        var output = new Option<string>("--out") { Description = "Model file to write.", Required = true }.OutputFile("model file");
        var command = new Command("train", "Train a PatchCore model on defect-free images.") { data, output };
        engine.AddTo(command, training: true, tiling: true);
        command.SetAction(result => CommandRunner.Run(() =>
        {
            using var logging = engine.Logging(result);
            var logger = logging.CreateLogger("train");
            var (settings, device) = engine.Prepare(result, logger);
            var category = MvtecCategory.Open(result.GetValue(data)!);
            var split = TrainingSplit.Of(category, settings);
            using var model = ConsoleProgress.Run(progress =>
                new PatchCoreTrainer(settings, device, logger, progress).Train(split, null, category.Root));
            string path = result.GetValue(output)!;
            model.Save(path);
            var c = model.Metadata.Calibration;
            Console.WriteLine($"trained on {model.Metadata.Training.Images} images ({model.Metadata.Training.Patches} patches) in {model.Metadata.Training.Seconds:F1} s (coreset {model.Metadata.Training.CoresetSeconds:F1} s); " +
                              $"memory bank {model.BankSize} x {model.Metadata.EmbeddingDimensions}; image threshold {c.ImageThreshold:F4} " +
                              $"({c.Method}, {c.GoodImages} held-out images; expected false-reject rate {c.ExpectedFalseRejectRate:0.####}); model written to {path}");
            return ExitCodes.Success;
        }));
        return command;
    }
}
