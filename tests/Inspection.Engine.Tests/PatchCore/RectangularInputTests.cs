using System.Text;
using Inspection.Engine.Data;
using Inspection.Engine.Evaluation;
using Inspection.Engine.Imaging;
using Inspection.Engine.Models;
using Inspection.Engine.PatchCore;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.PatchCore;

/// <summary>Inputs of height x width other than a square, given or chosen from the training images (auto).</summary>
public class RectangularInputTests(ITestOutputHelper output)
{
    private static SyntheticLineSummary SmallStrips(TempFolder folder) =>
        SyntheticStripLine.Generate(folder.File("strips"), new SyntheticStripOptions(Seed: 3, TrainGood: 8, TestGood: 2, DefectsPerType: 1, Height: 256, Width: 64));

    [Fact]
    public void A_rectangular_model_has_a_grid_and_maps_of_its_shape_and_keeps_them_in_its_file()
    {
        using var folder = new TempFolder();
        var strips = SmallStrips(folder);
        var settings = new PatchCoreSettings { ImageSize = new Extent(128, 32), CoresetRatio = 0.25 };
        var split = TrainingSplit.Of(MvtecCategory.Open(strips.Folder), settings);
        using var model = new PatchCoreTrainer(settings, CPU).Train(split);
        Assert.Equal(new Extent(128, 32), model.Metadata.ImageSize);
        Assert.Equal(new Extent(16, 4), model.Metadata.PatchGrid);
        Assert.Equal(0.25, model.Metadata.Training.Aspect!.Value, 6);
        Assert.Equal(16L * 4 * model.Metadata.Training.Images, model.Metadata.Training.Patches); // 64 patches an image

        string image = Directory.GetFiles(Path.Combine(strips.Folder, "test", "nick")).Single();
        var prepared = PreparedImage.FromFiles([image], model.Metadata.ImageSize);
        Assert.Equal((64, 256), (prepared[0].OriginalWidth, prepared[0].OriginalHeight));
        var scored = model.Inspect(prepared);
        Assert.Equal(new Extent(128, 32), scored.MapSize);
        Assert.Equal(128 * 32, scored.AnomalyMaps[0].Length);

        string path = folder.File("strip.inspection");
        model.Save(path);
        string header = Encoding.UTF8.GetString(File.ReadAllBytes(path).AsSpan(16, 4096));
        Assert.Contains("\"ImageSize\":\"128x32\"", header);
        Assert.Contains("\"PatchGrid\":\"16x4\"", header);
        using var loaded = PatchCoreModel.Load(path, CPU);
        Assert.Equal(model.Metadata.ImageSize, loaded.Metadata.ImageSize);
        Assert.Equal(model.Metadata.Training.Aspect, loaded.Metadata.Training.Aspect);
        var again = loaded.Inspect(prepared);
        Assert.Equal(scored.ImageScores[0], again.ImageScores[0], 4);
        Assert.Equal(scored.AnomalyMaps[0], again.AnomalyMaps[0], new ToleranceComparer(1e-4f));
        Assert.Throws<ArgumentException>(() => model.Inspect(PreparedImage.FromFiles([image], 64)));
    }

    [Fact]
    public void Auto_size_takes_the_training_images_aspect_within_the_budget_and_records_it()
    {
        using var folder = new TempFolder();
        var strips = SmallStrips(folder);
        var settings = new PatchCoreSettings { AutoImagePixels = 4096, CoresetRatio = 0.25 };
        using var model = new PatchCoreTrainer(settings, CPU).Train(TrainingSplit.Of(MvtecCategory.Open(strips.Folder), settings));
        Assert.Equal(new Extent(128, 32), model.Metadata.ImageSize); // 256 x 64 parts in 4,096 pixels
        Assert.Equal(4096, model.Metadata.AutoImagePixels);
        string path = folder.File("auto.inspection");
        model.Save(path);
        using var loaded = PatchCoreModel.Load(path, CPU);
        Assert.Equal((new Extent(128, 32), (int?)4096), (loaded.Metadata.ImageSize, loaded.Metadata.AutoImagePixels));
    }

    [Fact]
    public void On_an_elongated_line_the_parts_own_aspect_localises_defects_better_than_a_square_input()
    {
        using var folder = new TempFolder();
        var strips = SyntheticStripLine.Generate(folder.File("strips"), new SyntheticStripOptions());
        double Aupro(PatchCoreSettings settings, out EvaluationMetrics metrics)
        {
            var (result, model) = new PatchCoreEvaluator(settings, CPU).Run(strips.Folder);
            using (model)
            {
                metrics = result.Metrics;
                output.WriteLine($"{model.Metadata.ImageSize}: image AUROC {metrics.ImageAuroc:F4}, pixel AUROC {metrics.PixelAuroc:F4}, AUPRO {metrics.PixelAupro:F4}");
                return metrics.PixelAupro;
            }
        }
        double square = Aupro(new PatchCoreSettings { ImageSize = 256 }, out var squareMetrics);
        double aspect = Aupro(new PatchCoreSettings { AutoImagePixels = AutoImageSize.DefaultPixels }, out var aspectMetrics);
        // The grooves' defects all but vanish when the strip is shrunk four times along its length (see SyntheticStripLine).
        Assert.True(aspect > square + 0.03, $"AUPRO {aspect:F4} with the parts' aspect against {square:F4} at 256x256");
        Assert.True(aspectMetrics.PixelAuroc > squareMetrics.PixelAuroc, $"pixel AUROC {aspectMetrics.PixelAuroc:F4} against {squareMetrics.PixelAuroc:F4}");
        Assert.True(aspectMetrics.ImageAuroc >= squareMetrics.ImageAuroc, $"image AUROC {aspectMetrics.ImageAuroc:F4} against {squareMetrics.ImageAuroc:F4}");
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(x));
        public int GetHashCode(float obj) => 0;
    }
}
