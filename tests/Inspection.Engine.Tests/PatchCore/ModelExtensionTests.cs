using Inspection.Engine.Data;
using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.PatchCore;

/// <summary>
/// A trained model with good images added keeps its bank as the first rows, adds the coreset ratio of the new images'
/// patches, and keeps its settings and calibration.
/// </summary>
public class ModelExtensionTests
{
    [Fact]
    public void The_extended_model_keeps_the_bank_and_calibration_and_adds_a_ratio_of_the_new_patches()
    {
        using var folder = new TempFolder();
        SyntheticProductLine.Generate(folder.Path, new SyntheticLineOptions(Seed: 5, TrainGood: 10, TestGood: 3, DefectsPerType: 0, Size: 64));
        var category = MvtecCategory.Open(folder.Path);
        var settings = new PatchCoreSettings { ImageSize = 64, CoresetRatio = 0.25 };
        using var served = new PatchCoreTrainer(settings, CPU).Train(TrainingSplit.Of(category, settings));
        var bank = served.BankRows(0, served.BankSize);
        var files = category.Test.Select(t => t.Path).ToList();

        using var extended = ModelExtension.Extend(served.Metadata, bank, files, settings, CPU, "line v1 + 3 images");

        int patches = files.Count * served.Metadata.PatchGrid.Height * served.Metadata.PatchGrid.Width;
        Assert.Equal(served.BankSize + (int)(patches * 0.25), extended.BankSize);
        Assert.Equal(bank, extended.BankRows(0, served.BankSize));
        Assert.Equal(served.Metadata.Calibration, extended.Metadata.Calibration);
        Assert.Equal((served.Metadata.ImageSize, served.Metadata.PatchGrid, served.Metadata.Backbone), (extended.Metadata.ImageSize, extended.Metadata.PatchGrid, extended.Metadata.Backbone));
        Assert.Equal(("line v1 + 3 images", 3, patches / 4L, extended.BankSize),
            (extended.Metadata.Training.Source, extended.Metadata.Training.Images, extended.Metadata.Training.Patches, extended.Metadata.Training.BankSize));
        // The new images now lie closer to the bank than before: a quarter of their own patches are in it.
        var images = Inspection.Engine.Imaging.PreparedImage.FromFiles(files, 64);
        float before = served.Inspect(images).ImageScores.Average(), after = extended.Inspect(images).ImageScores.Average();
        Assert.True(after < before, $"mean score {after} after adding the images, {before} before");
    }

    [Fact]
    public void No_images_or_a_bank_of_another_width_are_refused()
    {
        using var folder = new TempFolder();
        SyntheticProductLine.Generate(folder.Path, new SyntheticLineOptions(Seed: 5, TrainGood: 10, TestGood: 1, DefectsPerType: 0, Size: 64));
        var category = MvtecCategory.Open(folder.Path);
        var settings = new PatchCoreSettings { ImageSize = 64 };
        using var served = new PatchCoreTrainer(settings, CPU).Train(TrainingSplit.Of(category, settings));
        Assert.Throws<ArgumentException>(() => ModelExtension.Extend(served.Metadata, served.BankRows(0, 2), [], settings, CPU, "x"));
        Assert.Throws<ArgumentException>(() => ModelExtension.Extend(served.Metadata, new float[7], [category.Test[0].Path], settings, CPU, "x"));
    }
}
