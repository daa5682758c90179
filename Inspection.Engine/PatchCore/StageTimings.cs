namespace Inspection.Engine.PatchCore;

/// <summary>Milliseconds spent per stage on one batch (device work is synchronised before each reading).</summary>
public sealed record StageTimings(double Backbone, double Embedding, double Knn, double Map)
{
    public double Total => Backbone + Embedding + Knn + Map;
}
