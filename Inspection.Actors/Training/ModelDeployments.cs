using Inspection.Actors.Extraction;
using Inspection.Actors.Messages;
using Inspection.Actors.Scoring;
using Inspection.Engine.Models;

namespace Inspection.Actors.Training;

/// <summary>A model's metadata as a line's deployment, and back: the one place where the two are mapped field by field.</summary>
public static class ModelDeployments
{
    /// <summary>The deployment of a model with <paramref name="bankSize"/> bank rows stored in <paramref name="shards"/> x <paramref name="replicas"/> shard entities.</summary>
    public static ModelDeployment Of(ModelMetadata m, long bankSize, string line, string version, int shards, int replicas)
    {
        var c = m.Calibration;
        return new ModelDeployment(line, version, shards, bankSize, m.EmbeddingDimensions, m.NumNeighbors,
            m.Backbone, m.Layers.ToArray(), m.BackboneWeights,
            m.ImageSize.Height, m.PatchGrid.Height, m.BlurSigma,
            c.ImageThreshold, c.ImageMin, c.ImageMax, c.PixelThreshold, c.PixelMin, c.PixelMax, m.Precision,
            m.KnnPrecision, replicas, m.ImageSize.Width, m.PatchGrid.Width,
            m.Training.Aspect ?? 0, m.TileOverlap != null, m.TileOverlap ?? 0, m.CoresetRatio, m.ProjectionDimensions, m.Seed, m.Training.Images,
            m.Training.TrainedAt, c.GoodScores, c.Method);
    }

    /// <summary>
    /// The served model's metadata as far as its deployment says: everything scoring, extension and a model file need.
    /// A deployment made before it carried the coreset ratio, projection and seed the bank was selected with gives
    /// <paramref name="coresetRatioIfUnknown"/>, no projection (the embedding's own dimensions) and seed 0 instead.
    /// </summary>
    public static ModelMetadata Metadata(this ModelDeployment d, double coresetRatioIfUnknown = 0.1) => new()
    {
        Backbone = d.Backbone, Layers = d.Layers, BackboneWeights = d.BackboneWeights, ImageSize = d.Input(),
        TileOverlap = d.Tiled ? d.TileOverlap : null, EmbeddingDimensions = d.Dimensions, PatchGrid = d.Grid(),
        CoresetRatio = d.CoresetRatio > 0 ? d.CoresetRatio : coresetRatioIfUnknown,
        ProjectionDimensions = d.ProjectionDimensions > 0 ? d.ProjectionDimensions : d.Dimensions, Seed = d.Seed,
        NumNeighbors = d.NumNeighbors, BlurSigma = d.BlurSigma,
        Precision = d.Precision, KnnPrecision = d.KnnPrecision, Calibration = d.Calibration($"kept from {d.Version}"),
        Training = new TrainingSet
        {
            Source = $"{d.Line} {d.Version}", Images = d.TrainingImages, Patches = d.BankSize, BankSize = (int)d.BankSize, TrainedAt = d.TrainedAt, Seconds = 0,
            Aspect = d.TrainingAspect > 0 ? d.TrainingAspect : null,
        },
    };
}
