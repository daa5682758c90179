using Inspection.Engine.Data;
using Inspection.Engine.PatchCore;
using Xunit;

namespace Inspection.Engine.Tests.PatchCore;

public class TrainingSplitTests
{
    [Fact]
    public void Without_validation_images_every_tenth_good_image_calibrates_and_then_joins_the_bank()
    {
        using var folder = new TempFolder();
        SyntheticProductLine.Generate(folder.Path, new SyntheticLineOptions(Seed: 1, TrainGood: 25, TestGood: 1, DefectsPerType: 0, Size: 32));
        var category = MvtecCategory.Open(folder.Path);
        var split = TrainingSplit.Of(category, new PatchCoreSettings());
        Assert.Equal([category.TrainGood[9], category.TrainGood[19]], split.Calibration);
        Assert.Equal(23, split.Bank.Count);
        Assert.Empty(split.Bank.Intersect(split.Calibration));
        Assert.True(split.CalibrationJoinsBank);
        Assert.Equal(25, split.BankImages);
        Assert.False(TrainingSplit.Of(category, new PatchCoreSettings { BankIncludesHoldout = false }).CalibrationJoinsBank);
    }

    [Fact]
    public void Validation_images_calibrate_and_stay_out_of_the_bank()
    {
        using var folder = new TempFolder();
        SyntheticProductLine.Generate(folder.Path, new SyntheticLineOptions(Seed: 1, TrainGood: 6, TestGood: 1, DefectsPerType: 0, Size: 32));
        string validation = Path.Combine(folder.Path, "validation", "good");
        Directory.CreateDirectory(validation);
        var train = Directory.GetFiles(Path.Combine(folder.Path, "train", "good")).Order().ToList();
        File.Copy(train[0], Path.Combine(validation, "v.png"));
        var split = TrainingSplit.Of(MvtecCategory.Open(folder.Path), new PatchCoreSettings());
        Assert.Equal(6, split.Bank.Count);
        Assert.Single(split.Calibration);
        Assert.False(split.CalibrationJoinsBank);
    }

    [Fact]
    public void A_training_limit_takes_evenly_spaced_images_as_the_reference_does()
    {
        var images = Enumerable.Range(0, 762).Select(i => $"{i:D4}.png").ToList();
        var chosen = TrainingSplit.EvenlySpaced(images, 200);
        Assert.Equal(200, chosen.Count);
        // numpy: np.linspace(0, 761, 200).round().astype(int)
        Assert.Equal(new[] { 0, 4, 8, 11, 15, 19, 23, 27, 31, 34, 38, 42 }.Select(i => images[i]), chosen.Take(12));
        Assert.Equal(new[] { 753, 757, 761 }.Select(i => images[i]), chosen.TakeLast(3));
        Assert.Equal(images, TrainingSplit.EvenlySpaced(images, null));
        Assert.Equal(images, TrainingSplit.EvenlySpaced(images, 1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingSplit.EvenlySpaced(images, 0));
    }
}
