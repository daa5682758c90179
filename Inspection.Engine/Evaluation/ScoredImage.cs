namespace Inspection.Engine.Evaluation;

/// <summary>One test image's outcome in an evaluation.</summary>
public sealed record ScoredImage(string Path, string DefectType, bool Defective, float Score, float NormalisedScore, bool Flagged);
