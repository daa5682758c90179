using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Inspection.Engine.Backbones;
using Inspection.Engine.Native;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using static TorchSharp.torch;

namespace Inspection.Host.Cli;

/// <summary>
/// <c>inspection bench-backbone</c>: times the backbone alone on random images (no data, no training), folded as
/// inference runs it and module by module, at each batch size: a node's feature-extraction speed, and the check that a
/// change to the convolutions keeps it. Wide ResNet50 can run with <c>--backbone-weights untrained</c>.
/// </summary>
public static class BackboneBenchCommand
{
    public static Command Create()
    {
        var engine = new EngineOptions();
        var batches = new Option<int[]>("--batch-sizes") { Description = "Batch sizes to time.", DefaultValueFactory = _ => [1, 8], AllowMultipleArgumentsPerToken = true }
            .EachInRange(1, EngineOptions.MaxBatch);
        var repeats = new Option<int>("--repeats") { Description = "Timed batches per batch size (after two warm-up batches); the median is reported.", DefaultValueFactory = _ => 10 }
            .InRange(1, 10_000);
        var command = new Command("bench-backbone", "Time the backbone alone (folded and module by module) on random images.") { batches, repeats };
        engine.AddBackboneTo(command); // training, kNN and batch options would have no effect here
        command.SetAction(result => CommandRunner.Run(() =>
        {
            using var logging = engine.Logging(result);
            var logger = logging.CreateLogger("bench-backbone");
            var (settings, device) = engine.Prepare(engine.BackboneSettings(result), result, logger);
            int count = result.GetValue(repeats);
            using var backbone = BackboneFactory.Create(settings.Backbone, settings.Layers, device, settings.BackboneWeights, logger, settings.Precision);
            var table = new Table().AddColumns("batch", "folded ms/image", "module by module ms/image", "folded images/s");
            Console.WriteLine($"{settings.Backbone} [{string.Join(", ", settings.Layers)}] {settings.ImageSize.Height}x{settings.ImageSize.Width} {settings.Precision} on {device} " +
                              $"({LibTorchLoader.Description}), {Environment.ProcessorCount} cores, median of {count}");
            foreach (int batch in result.GetValue(batches)!)
            {
                manual_seed(batch);
                using var images = (rand(batch, 3, settings.ImageSize.Height, settings.ImageSize.Width) * 255).to(device);
                double folded = Median(count, () => backbone.Extract(images), device) / batch;
                double reference = Median(count, () => backbone.ExtractModuleByModule(images), device) / batch;
                string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
                table.AddRow(batch.ToString(CultureInfo.InvariantCulture), F(folded), F(reference), F(1000 / folded));
            }
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
            console.Write(table);
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>Median milliseconds of <paramref name="repeats"/> runs after two warm-up runs (allocator, kernel plans).</summary>
    private static double Median(int repeats, Func<Tensor[]> run, Device device)
    {
        var times = new List<double>();
        for (int i = 0; i < repeats + 2; i++)
        {
            var clock = Stopwatch.StartNew();
            var outputs = run();
            if (device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize(device);
            double ms = clock.Elapsed.TotalMilliseconds;
            foreach (var t in outputs) t.Dispose();
            if (i >= 2) times.Add(ms);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
