using Inspection.Engine.Data;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// Which good images build the memory bank and which calibrate the threshold. The threshold is only honest when it
/// comes from images the bank does not hold (their own patches would score them near zero), so calibration images are
/// validation/good when the category has it, else every k-th train/good image, held back from the bank while
/// calibrating and, with <see cref="CalibrationJoinsBank"/>, added to it afterwards (<see cref="MemoryBankExtension"/>):
/// the bank then covers every train/good image, as anomalib's does.
/// </summary>
public sealed record TrainingSplit(IReadOnlyList<string> Bank, IReadOnlyList<string> Calibration, bool CalibrationJoinsBank)
{
    /// <summary>Images whose patches end up in the bank.</summary>
    public int BankImages => Bank.Count + (CalibrationJoinsBank ? Calibration.Count : 0);

    /// <param name="trainLimit">Use this many of train/good, evenly spaced (the reference implementation's
    /// <c>--train-limit</c>: indices <c>round(linspace(0, n - 1, limit))</c>, half to even); null: all of them.</param>
    public static TrainingSplit Of(MvtecCategory category, PatchCoreSettings settings, int? trainLimit = null)
    {
        var good = EvenlySpaced(category.TrainGood, trainLimit);
        if (category.ValidationGood.Count > 0) return new(good, category.ValidationGood.ToList(), false);
        if (good.Count < 2)
            throw new DatasetException($"'{category.Root}' has {good.Count} training image; at least 2 are needed (one is held out to calibrate the threshold).");
        int every = Math.Max(2, (int)Math.Round(1 / Math.Max(settings.HoldoutFraction, 1e-3)));
        var calibration = good.Where((_, i) => i % every == every - 1).ToList();
        if (calibration.Count == 0) calibration.Add(good[^1]);
        var bank = good.Except(calibration).ToList();
        return new(bank, calibration, settings.BankIncludesHoldout);
    }

    public static List<string> EvenlySpaced(IReadOnlyList<string> images, int? limit)
    {
        if (limit is not { } n || n >= images.Count) return images.ToList();
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(limit), $"A training image limit must be at least 1; got {n}.");
        if (n == 1) return [images[0]];
        return Enumerable.Range(0, n).Select(i => images[(int)Math.Round(i * (images.Count - 1.0) / (n - 1))]).ToList();
    }
}
