namespace Inspection.Actors.Results;

/// <summary>A scored result's image score and its operator's label (good or defect; null if not reviewed).</summary>
public sealed record ScoredSample(double Score, string? ReviewLabel);
