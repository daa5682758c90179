using Inspection.Engine.Data;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Xunit;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.PatchCore;

/// <summary>
/// Training puts every good image in the bank while keeping the threshold honest, skips unreadable images with a
/// warning naming each, and refuses models that could not flag anything.
/// </summary>
public class PatchCoreTrainerTests
{
    private static readonly PatchCoreSettings Small = new() { ImageSize = 64 };

    private static MvtecCategory Line(TempFolder folder, int trainGood = 20)
    {
        SyntheticProductLine.Generate(folder.Path, new SyntheticLineOptions(Seed: 5, TrainGood: trainGood, TestGood: 1, DefectsPerType: 0, Size: 64));
        return MvtecCategory.Open(folder.Path);
    }

    [Fact]
    public void Held_back_images_calibrate_against_a_bank_without_them_and_then_join_it()
    {
        using var folder = new TempFolder();
        var category = Line(folder);
        var joined = TrainingSplit.Of(category, Small);
        var apart = joined with { CalibrationJoinsBank = false };
        Assert.Equal(2, joined.Calibration.Count);

        using var withHoldout = new PatchCoreTrainer(Small, CPU).Train(joined);
        using var withoutHoldout = new PatchCoreTrainer(Small, CPU).Train(apart);
        // The threshold is the same: it was computed before the held-back patches joined the bank ...
        Assert.Equal(withoutHoldout.Metadata.Calibration.ImageThreshold, withHoldout.Metadata.Calibration.ImageThreshold);
        var heldBack = PreparedImage.FromFiles(joined.Calibration.ToList(), 64);
        Assert.Equal(withoutHoldout.Metadata.Calibration.ImageThreshold, withoutHoldout.Inspect(heldBack).ImageScores.Max());
        // The calibration keeps each held-back image's score, as scored against the bank without them.
        Assert.Equal(withoutHoldout.Inspect(heldBack).ImageScores, withoutHoldout.Metadata.Calibration.GoodScores);
        Assert.Equal(withoutHoldout.Metadata.Calibration.GoodScores, withHoldout.Metadata.Calibration.GoodScores);
        Assert.Empty(withHoldout.Metadata.Calibration.DefectiveScores);
        // ... and they did join it: the bank grew by a tenth of their patches, and now scores them lower.
        Assert.Equal(20, withHoldout.Metadata.Training.Images);
        Assert.Equal(18, withoutHoldout.Metadata.Training.Images);
        Assert.Equal(20 * 64, withHoldout.Metadata.Training.Patches);
        Assert.Equal(withoutHoldout.BankSize + 2 * 64 / 10, withHoldout.BankSize);
        Assert.True(withHoldout.Inspect(heldBack).ImageScores.Max() < withHoldout.Metadata.Calibration.ImageThreshold);
        Assert.Contains("then added to it", withHoldout.Metadata.Calibration.Method);
    }

    [Fact]
    public void A_target_false_reject_rate_takes_the_conformal_rank_of_the_held_out_good_scores_and_too_few_images_are_refused()
    {
        using var folder = new TempFolder();
        var category = Line(folder);
        var settings = Small with { HoldoutFraction = 0.5, FalseRejectTarget = 0.25 };
        var split = TrainingSplit.Of(category, settings);
        Assert.Equal(10, split.Calibration.Count);

        using var model = new PatchCoreTrainer(settings, CPU).Train(split);
        var c = model.Metadata.Calibration;
        var sorted = c.GoodScores.Order().ToArray();
        Assert.Equal(10, sorted.Distinct().Count());
        Assert.Equal(sorted[8], c.ImageThreshold); // k = ceil(11 x 0.75) = 9: the 9th smallest of 10
        Assert.Equal(1 - 9 / 11.0, c.ExpectedFalseRejectRate, 12);
        Assert.Contains("false-reject rate at most 0.25", c.Method);
        Assert.Contains("rank 9 of the 10", c.Method);

        // Without a target: the highest good score (no defective images), which promises 1/(n+1).
        using var highest = new PatchCoreTrainer(Small with { HoldoutFraction = 0.5 }, CPU).Train(split);
        var h = highest.Metadata.Calibration;
        Assert.Equal(h.GoodScores.Max(), h.ImageThreshold);
        Assert.Equal(1 / 11.0, h.ExpectedFalseRejectRate, 12);

        // 1 % needs 99 held-out good images: refused with that number, before the bank is built.
        var strict = settings with { FalseRejectTarget = 0.01 };
        var error = Assert.Throws<DatasetException>(() => new PatchCoreTrainer(strict, CPU).Train(TrainingSplit.Of(category, strict)));
        Assert.Contains("needs at least 99 held-out good images; this line has 10", error.Message);
        Assert.Contains("false-reject rate target", Assert.Throws<ArgumentException>(() => (Small with { FalseRejectTarget = 0.7 }).Validate()).Message);
    }

    [Fact]
    public void Unreadable_training_images_are_skipped_with_a_warning_naming_each()
    {
        using var folder = new TempFolder();
        var category = Line(folder);
        File.WriteAllBytes(category.TrainGood[0], []);
        var png = File.ReadAllBytes(category.TrainGood[1]);
        File.WriteAllBytes(category.TrainGood[1], png[..(png.Length / 2)]);
        var logger = new FakeLogger();

        using var model = new PatchCoreTrainer(Small, CPU, logger).Train(TrainingSplit.Of(category, Small));

        Assert.Equal(18, model.Metadata.Training.Images);
        var warnings = logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).Select(r => r.Message).ToList();
        Assert.Contains(warnings, w => w.Contains(category.TrainGood[0]) && w.Contains("empty"));
        Assert.Contains(warnings, w => w.Contains(category.TrainGood[1]) && w.Contains("truncated"));
        Assert.Contains(warnings, w => w.Contains("2 of 18 training images are unreadable"));
    }

    [Fact]
    public void Too_few_readable_images_end_training_with_a_clear_error()
    {
        using var folder = new TempFolder();
        var category = Line(folder, trainGood: 4);
        var split = TrainingSplit.Of(category, Small);
        foreach (var image in split.Bank) File.WriteAllBytes(image, [1, 2, 3]);
        var error = Assert.Throws<DatasetException>(() => new PatchCoreTrainer(Small, CPU).Train(split));
        Assert.Contains("No readable training images", error.Message);

        using var other = new TempFolder();
        var intact = Line(other);
        var demanding = Small with { MinTrainingImages = 21 };
        error = Assert.Throws<DatasetException>(() => new PatchCoreTrainer(demanding, CPU).Train(TrainingSplit.Of(intact, demanding)));
        Assert.Contains("Only 20 readable training images remain; at least 21", error.Message);
    }

    [Fact]
    public void A_bank_too_small_for_the_image_score_is_refused_and_a_small_one_gets_a_warning()
    {
        using var folder = new TempFolder();
        var category = Line(folder, trainGood: 3);
        var tiny = new PatchCoreSettings { ImageSize = 32 }; // 4 x 4 patches an image: 2 images, 32 patches, 3 vectors
        var error = Assert.Throws<DatasetException>(() => new PatchCoreTrainer(tiny, CPU).Train(TrainingSplit.Of(category, tiny)));
        Assert.Contains("would hold 3 vectors", error.Message);
        Assert.Contains("9 nearest", error.Message);

        var logger = new FakeLogger();
        using var small = new PatchCoreTrainer(Small, CPU, logger).Train(TrainingSplit.Of(category, Small));
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains($"only {small.BankSize} vectors"));
    }
}
