using Inspection.Engine.Evaluation;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.Evaluation;

public class TireEndToEndTests(ITestOutputHelper output)
{
    /// <summary>A small MVTec-layout view of the real tire data: symbolic links, nothing copied.</summary>
    /// <summary>The tire subsets leave out "combined" (several defects in one image).</summary>
    internal static readonly string[] TireDefects = ["contamination", "cut", "hole"];

    /// <summary>Links every n-th file of each folder into a smaller MVTec-layout category; defects: all test folders but good, unless named.</summary>
    internal static void LinkSubset(string source, string target, int train, int validation, int good, int perDefect, string[]? defects = null)
    {
        void Link(string relativeFolder, int count, bool masks = false)
        {
            var files = Directory.GetFiles(Path.Combine(source, relativeFolder), "*.png").Order(StringComparer.Ordinal).ToList();
            int step = Math.Max(1, files.Count / count);
            Directory.CreateDirectory(Path.Combine(target, relativeFolder));
            foreach (var file in files.Where((_, i) => i % step == 0).Take(count))
            {
                File.CreateSymbolicLink(Path.Combine(target, relativeFolder, Path.GetFileName(file)), file);
                if (!masks) continue;
                string type = Path.GetFileName(relativeFolder);
                string mask = Path.Combine(source, "ground_truth", type, Path.GetFileNameWithoutExtension(file) + "_mask.png");
                Directory.CreateDirectory(Path.Combine(target, "ground_truth", type));
                File.CreateSymbolicLink(Path.Combine(target, "ground_truth", type, Path.GetFileName(mask)), mask);
            }
        }
        Link("train/good", train);
        if (validation > 0) Link("validation/good", validation);
        Link("test/good", good);
        defects ??= Directory.GetDirectories(Path.Combine(source, "test")).Select(d => Path.GetFileName(d)).Where(d => d != "good").Order(StringComparer.Ordinal).ToArray();
        foreach (var defect in defects) Link($"test/{defect}", perDefect, masks: true);
    }

    [SkippableFact]
    public void Trains_on_a_tire_subset_and_finds_the_defects()
    {
        string tire = SharedDatasets.Category("tire");
        using var folder = new TempFolder();
        LinkSubset(tire, folder.Path, train: 40, validation: 6, good: 8, perDefect: 5, TireDefects);
        var settings = new PatchCoreSettings { Seed = 1 };
        var (result, model) = new PatchCoreEvaluator(settings, CPU).Run(folder.Path);
        using (model)
        {
            var good = result.Images.Where(i => !i.Defective).Select(i => i.Score).ToList();
            var bad = result.Images.Where(i => i.Defective).Select(i => i.Score).ToList();
            output.WriteLine($"good mean {good.Average():F4}, defective mean {bad.Average():F4}; image AUROC {result.Metrics.ImageAuroc:F4}, " +
                             $"pixel AUROC {result.Metrics.PixelAuroc:F4}, AUPRO {result.Metrics.PixelAupro:F4}, bank {result.BankSize}");
            Assert.Equal((8, 15), (good.Count, bad.Count));
            Assert.True(bad.Average() > good.Average(), "defective images must score higher on average");
            Assert.True(result.Metrics.PixelAuroc > 0.9, $"pixel AUROC {result.Metrics.PixelAuroc}");
            Assert.Equal(4096, result.BankSize); // 10% of 40 x 32 x 32 patches
            Assert.Equal(40, result.TrainingImages);

            // The model file reproduces the resident model's scores exactly.
            string path = folder.File("tire.inspection");
            model.Save(path);
            using var reloaded = PatchCoreModel.Load(path, CPU);
            var images = PreparedImage.FromFiles(result.Images.Take(4).Select(i => i.Path).ToList(), settings.ImageSize);
            // Equal up to the rounding of multithreaded matrix products, which may vary with machine load.
            var resident = model.Inspect(images).ImageScores;
            var fromFile = reloaded.Inspect(images).ImageScores;
            Assert.All(resident.Zip(fromFile), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-5 * Math.Abs(p.First), $"{p.First} vs {p.Second}"));
            Assert.Equal(model.Metadata.Calibration, reloaded.Metadata.Calibration);
        }
    }
}
