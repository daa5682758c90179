namespace Inspection.Engine.Data;

/// <summary>
/// How much synthetic data to make. The defaults mirror a small MVTec AD category, big enough to fit and evaluate a
/// PatchCore memory bank in seconds, so demos and tests need no downloaded dataset.
/// </summary>
/// <param name="Seed">Everything drawn follows from this, so a dataset can be recreated byte for byte.</param>
/// <param name="TrainGood">Defect-free images the model learns "normal" from.</param>
/// <param name="TestGood">Defect-free test images, needed to measure false alarms.</param>
/// <param name="DefectsPerType">Test images (each with a ground-truth mask) for every defect type.</param>
/// <param name="Size">Width and height in pixels; square like MVTec images.</param>
public sealed record SyntheticLineOptions(
    int Seed = 7,
    int TrainGood = 40,
    int TestGood = 12,
    int DefectsPerType = 6,
    int Size = 256);
