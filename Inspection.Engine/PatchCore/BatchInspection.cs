namespace Inspection.Engine.PatchCore;

/// <summary>Raw PatchCore output for a batch: image scores and pixel maps (ImageSize x ImageSize, row-major).</summary>
public sealed record BatchInspection(float[] ImageScores, float[][] AnomalyMaps, int MapSize, StageTimings Timings);
