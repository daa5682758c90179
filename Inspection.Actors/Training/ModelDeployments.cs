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
            m.Training.Aspect ?? 0, m.TileOverlap != null, m.TileOverlap ?? 0);
    }

    /// <summary>
    /// The served model's metadata as far as its deployment says: everything scoring and extension need. A deployment
    /// does not carry the coreset ratio, projection or seed the bank was selected with; they are zero here.
    /// </summary>
    public static ModelMetadata Metadata(this ModelDeployment d) => new()
    {
        Backbone = d.Backbone, Layers = d.Layers, BackboneWeights = d.BackboneWeights, ImageSize = d.Input(),
        TileOverlap = d.Tiled ? d.TileOverlap : null, EmbeddingDimensions = d.Dimensions, PatchGrid = d.Grid(),
        CoresetRatio = 0, ProjectionDimensions = 0, Seed = 0, NumNeighbors = d.NumNeighbors, BlurSigma = d.BlurSigma,
        Precision = d.Precision, KnnPrecision = d.KnnPrecision, Calibration = d.Calibration($"kept from {d.Version}"),
        Training = new TrainingSet
        {
            Source = $"{d.Line} {d.Version}", Images = 0, Patches = d.BankSize, BankSize = (int)d.BankSize, TrainedAt = default, Seconds = 0,
            Aspect = d.TrainingAspect > 0 ? d.TrainingAspect : null,
        },
    };
}
