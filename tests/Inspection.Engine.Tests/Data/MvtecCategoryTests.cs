using Inspection.Engine.Data;
using Xunit;

namespace Inspection.Engine.Tests.Data;

public class MvtecCategoryTests
{
    [Fact]
    public void Missing_folder_layout_and_images_each_get_a_clear_error()
    {
        using var folder = new TempFolder();
        Assert.Contains("does not exist", Assert.Throws<DatasetException>(() => MvtecCategory.Open(folder.File("nope"))).Message);
        Assert.Contains("no train/good", Assert.Throws<DatasetException>(() => MvtecCategory.Open(folder.Path)).Message);
        Directory.CreateDirectory(Path.Combine(folder.Path, "train", "good"));
        File.WriteAllText(Path.Combine(folder.Path, "train", "good", "notes.txt"), "no images here");
        Assert.Contains("holds no images", Assert.Throws<DatasetException>(() => MvtecCategory.Open(folder.Path)).Message);
    }

    [SkippableFact]
    public void Reads_the_tire_layout_with_masks_and_validation()
    {
        var category = MvtecCategory.Open(SharedDatasets.Category("tire"), requireTest: true);
        Assert.Equal(210, category.TrainGood.Count);
        Assert.Equal(29, category.ValidationGood.Count);
        Assert.Equal(25, category.Test.Count(t => !t.IsDefective));
        Assert.Equal(5 + 28 + 27 + 27, category.Test.Count(t => t.IsDefective));
        Assert.All(category.Test.Where(t => t.IsDefective), t => Assert.True(File.Exists(t.MaskPath)));
    }
}
