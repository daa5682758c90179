using System.Globalization;
using System.Text;
using System.Text.Json;
using Inspection.Engine.Evaluation;
using Inspection.Engine.Imaging;
using Inspection.Engine.Models;

namespace Inspection.Host.Reports;

/// <summary>
/// Writes an evaluation as <c>report.json</c> (machine-readable) and <c>report.md</c> (ROC curve, score histogram and
/// the hardest examples with heatmaps: the highest-scored good images and the lowest-scored defective ones).
/// </summary>
public static class EvaluationReportWriter
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static void Write(string folder, EvaluationResult result, Calibration calibration, IReadOnlyDictionary<string, (float[] Map, Extent Size)> maps, int examples = 6)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "report.json"), JsonSerializer.Serialize(new
        {
            dataset = result.Dataset,
            metrics = result.Metrics,
            timing = new { result.TrainSeconds, result.CoresetSeconds, result.InferenceMsPerImage, stageTotalsMs = result.StageTotals },
            model = new { result.BankSize, result.TrainingPatches, result.TrainingImages, result.CalibrationImages, calibration },
            images = result.Images,
            unreadableTestImages = result.UnreadableTestImages,
        }, Json));

        Plots.Roc(Path.Combine(folder, "roc.png"), result.ImageRoc.Fpr, result.ImageRoc.Tpr, result.Metrics.ImageAuroc);
        Plots.ScoreHistogram(Path.Combine(folder, "scores.png"),
            result.Images.Where(i => !i.Defective).Select(i => (double)i.Score).ToArray(),
            result.Images.Where(i => i.Defective).Select(i => (double)i.Score).ToArray(), calibration.ImageThreshold);

        var hardest = result.Images.Where(i => !i.Defective).OrderByDescending(i => i.Score).Take(examples)
            .Concat(result.Images.Where(i => i.Defective).OrderBy(i => i.Score).Take(examples)).ToList();
        string imageFolder = Path.Combine(folder, "examples");
        Directory.CreateDirectory(imageFolder);
        var md = new StringBuilder();
        var m = result.Metrics;
        string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F4", CultureInfo.InvariantCulture);
        md.AppendLine($"# Evaluation of {result.Dataset}").AppendLine();
        md.AppendLine("| metric | value |").AppendLine("|---|---|");
        md.AppendLine($"| image AUROC | {F(m.ImageAuroc)} |");
        md.AppendLine($"| pixel AUROC | {F(m.PixelAuroc)} |");
        md.AppendLine($"| pixel AUPRO (FPR <= 0.3) | {F(m.PixelAupro)} |");
        md.AppendLine($"| image F1-max | {F(m.ImageF1Max)} |");
        md.AppendLine($"| image F1 at the calibrated threshold | {F(m.ImageF1AtCalibratedThreshold)} |");
        md.AppendLine($"| test images (good / defective / with masks) | {m.GoodImages} / {m.DefectiveImages} / {m.PixelLabelledImages} |");
        foreach (var bad in result.UnreadableTestImages) md.AppendLine($"| unreadable test image, skipped | {bad.Reason} |");
        md.AppendLine($"| training images / patches / bank | {result.TrainingImages} / {result.TrainingPatches} / {result.BankSize} |");
        md.AppendLine($"| training time (coreset) | {result.TrainSeconds:F1} s ({result.CoresetSeconds:F1} s) |");
        md.AppendLine($"| inference per image (decode excluded) | {result.InferenceMsPerImage:F1} ms |").AppendLine();
        md.AppendLine("![ROC curve](roc.png) ![Score histogram](scores.png)").AppendLine();
        md.AppendLine("## Hardest examples").AppendLine();
        md.AppendLine("Highest-scored good images (false-alarm candidates) and lowest-scored defective images (miss candidates).").AppendLine();
        md.AppendLine("| image | type | score | normalised | verdict | heatmap |").AppendLine("|---|---|---|---|---|---|");
        int n = 0;
        foreach (var image in hardest)
        {
            if (!maps.TryGetValue(image.Path, out var kept)) continue;
            var (map, mapSize) = kept;
            string name = $"{n++:D2}_{image.DefectType}_{Path.GetFileNameWithoutExtension(image.Path)}.png";
            using (var original = ImageDecoder.Decode(image.Path))
                HeatmapRenderer.WriteOverlay(original, map.Select(calibration.NormalisePixel).ToArray(), mapSize.Width, mapSize.Height, 0f, 1f, Path.Combine(imageFolder, name));
            md.AppendLine($"| {Path.GetFileName(image.Path)} | {image.DefectType} | {image.Score:F4} | {image.NormalisedScore:F3} | {(image.Flagged ? "fail" : "pass")} | ![](examples/{name}) |");
        }
        File.WriteAllText(Path.Combine(folder, "report.md"), md.ToString());
    }
}
