using System.Globalization;
using Inspection.Engine.Evaluation;
using Inspection.Engine.PatchCore;
using Inspection.Host.Reports;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using TorchSharp;

namespace Inspection.Host.Cli;

/// <summary>Shared by evaluate and demo: run the evaluator with progress, print the table, write the report.</summary>
public static class EvaluationRun
{
    public static EvaluationResult Execute(string data, string? outFolder, PatchCoreSettings settings, torch.Device device, ILogger logger, int? trainLimit = null)
    {
        var maps = new Dictionary<string, (float[] Map, Inspection.Engine.Imaging.Extent Size)>();
        // Maps are kept only when a report will show them.
        Action<Inspection.Engine.Data.TestImage, float[], Inspection.Engine.Imaging.Extent>? keep = outFolder == null ? null : (t, map, size) => maps[t.Path] = (map, size);
        var (result, model) = ConsoleProgress.Run(progress =>
            new PatchCoreEvaluator(settings, device, logger, progress) { OnMap = keep, TrainLimit = trainLimit }.Run(data));
        using (model)
        {
            PrintTable(result, model.Metadata);
            if (outFolder != null)
            {
                EvaluationReportWriter.Write(outFolder, result, model.Metadata.Calibration, maps);
                Console.WriteLine($"report: {Path.Combine(outFolder, "report.md")} (and report.json, roc.png, scores.png, examples/)");
            }
        }
        return result;
    }

    private static void PrintTable(EvaluationResult r, Inspection.Engine.Models.ModelMetadata model)
    {
        string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F4", CultureInfo.InvariantCulture);
        var table = new Table().AddColumn("metric").AddColumn("value");
        table.AddRow("image AUROC", F(r.Metrics.ImageAuroc));
        table.AddRow("pixel AUROC", F(r.Metrics.PixelAuroc));
        table.AddRow("pixel AUPRO (FPR<=0.3)", F(r.Metrics.PixelAupro));
        table.AddRow("image F1-max", F(r.Metrics.ImageF1Max));
        table.AddRow("image F1 at calibrated threshold", F(r.Metrics.ImageF1AtCalibratedThreshold));
        table.AddRow("test images good/defective", $"{r.Metrics.GoodImages}/{r.Metrics.DefectiveImages}" +
            (r.UnreadableTestImages.Count > 0 ? $" ({r.UnreadableTestImages.Count} unreadable, skipped: see the warnings)" : ""));
        table.AddRow("input (height x width)", model.ImageSize.ToString() +
            (model.AutoImagePixels is int pixels ? $" (auto within {pixels} pixels)" : "") +
            (model.TileOverlap is int overlap ? $" tiles, overlap {overlap}" : ""));
        table.AddRow("train images / bank", $"{r.TrainingImages} / {r.BankSize} of {r.TrainingPatches} patches");
        table.AddRow("train time (coreset)", $"{r.TrainSeconds:F1} s ({r.CoresetSeconds:F1} s)");
        table.AddRow("inference per image", $"{r.InferenceMsPerImage:F1} ms (backbone {r.StageTotals.Backbone / Math.Max(1, r.Images.Count):F1}, kNN {r.StageTotals.Knn / Math.Max(1, r.Images.Count):F1})");
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 160; // tables are read in logs and CI output, not only on narrow terminals
        console.Write(table);
    }
}
