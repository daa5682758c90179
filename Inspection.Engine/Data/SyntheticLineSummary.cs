namespace Inspection.Engine.Data;

/// <summary>What was written, so callers can point a dataset loader at it without listing the folders again.</summary>
/// <param name="Folder">Full path of the dataset root (holding train/, test/ and ground_truth/).</param>
/// <param name="TrainGood">Number of images in train/good.</param>
/// <param name="TestGood">Number of images in test/good.</param>
/// <param name="Defects">Number of test images per defect type, keyed by the folder name under test/.</param>
public sealed record SyntheticLineSummary(
    string Folder,
    int TrainGood,
    int TestGood,
    IReadOnlyDictionary<string, int> Defects);
