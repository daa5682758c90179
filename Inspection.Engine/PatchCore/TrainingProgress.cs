namespace Inspection.Engine.PatchCore;

/// <summary>Where training stands: a stage name and how far it got.</summary>
public sealed record TrainingProgress(string Stage, long Done, long Total);
