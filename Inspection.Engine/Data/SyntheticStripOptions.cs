namespace Inspection.Engine.Data;

/// <summary>
/// How much of the synthetic elongated line to make (<see cref="SyntheticStripLine"/>): parts Height x Width pixels,
/// long and narrow like shafts, strips and rails.
/// </summary>
public sealed record SyntheticStripOptions(
    int Seed = 7,
    int TrainGood = 40,
    int TestGood = 12,
    int DefectsPerType = 6,
    int Height = 1024,
    int Width = 256);
