using Inspection.Engine.Data;
using Inspection.Engine.Evaluation;
using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.Evaluation;

public class OneClassEvaluationTests
{
    [Fact]
    public void A_test_set_of_good_images_only_gives_undefined_metrics_not_a_crash()
    {
        using var folder = new TempFolder();
        SyntheticProductLine.Generate(folder.Path, new SyntheticLineOptions(Seed: 2, TrainGood: 6, TestGood: 3, DefectsPerType: 0, Size: 64));
        var (result, model) = new PatchCoreEvaluator(new PatchCoreSettings { ImageSize = 64 }, CPU).Run(folder.Path);
        using (model)
        {
            Assert.Equal((3, 0), (result.Metrics.GoodImages, result.Metrics.DefectiveImages));
            Assert.True(double.IsNaN(result.Metrics.ImageAuroc));
            Assert.True(double.IsNaN(result.Metrics.PixelAuroc));
            Assert.True(double.IsNaN(result.Metrics.ImageF1Max));
            Assert.True(double.IsNaN(result.Metrics.ImageF1AtCalibratedThreshold));
            Assert.All(result.Images, i => Assert.True(float.IsFinite(i.Score)));
        }
    }
}

public class UnreadableTestImageTests
{
    [Fact]
    public void An_unreadable_test_image_is_reported_and_the_others_are_scored()
    {
        using var folder = new TempFolder();
        SyntheticProductLine.Generate(folder.Path, new SyntheticLineOptions(Seed: 2, TrainGood: 12, TestGood: 3, DefectsPerType: 1, Size: 64));
        var category = MvtecCategory.Open(folder.Path, requireTest: true);
        string broken = category.Test[0].Path;
        var png = File.ReadAllBytes(broken);
        File.WriteAllBytes(broken, png[..(png.Length / 3)]);
        var (result, model) = new PatchCoreEvaluator(new PatchCoreSettings { ImageSize = 64 }, CPU).Run(folder.Path);
        using (model)
        {
            var unreadable = Assert.Single(result.UnreadableTestImages);
            Assert.Equal(broken, unreadable.Path);
            Assert.Contains("truncated", unreadable.Reason);
            Assert.Equal(category.Test.Count - 1, result.Images.Count);
            Assert.DoesNotContain(result.Images, i => i.Path == broken);
        }
    }
}
