namespace Inspection.Engine.Models;

/// <summary>What the model was trained on, and how long it took.</summary>
public sealed record TrainingSet
{
    public required string Source { get; init; }
    public required int Images { get; init; }
    public required long Patches { get; init; }
    public required int BankSize { get; init; }
    public required DateTimeOffset TrainedAt { get; init; }
    public required double Seconds { get; init; }
    public double CoresetSeconds { get; init; }
    /// <summary>Median width over height of the training images (null in files from before it): frames far from it are flagged.</summary>
    public double? Aspect { get; init; }
}
