namespace Inspection.Engine.PatchCore;

/// <summary>Raw PatchCore output for a batch: image scores and pixel maps (the input's height x width, row-major).</summary>
public sealed record BatchInspection(float[] ImageScores, float[][] AnomalyMaps, Imaging.Extent MapSize, StageTimings Timings);
