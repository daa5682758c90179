using Inspection.Engine.PatchCore;

namespace Inspection.Engine.Models;

/// <summary>
/// What a model file's header must satisfy besides being valid JSON with a correct checksum: a hand-edited or foreign
/// header (fields null, out of range, not finite, or disagreeing with the bank's shape) is refused on loading, naming
/// the field, instead of failing later inside the backbone, the kNN or the anomaly maps.
/// </summary>
internal static class ModelMetadataChecks
{
    /// <summary>The first problem of <paramref name="m"/> for a bank of <paramref name="rows"/> x <paramref name="dimensions"/>, or null.</summary>
    public static string? FirstProblem(ModelMetadata m, int rows, int dimensions)
    {
        if (m.Backbone is null) return "field Backbone is missing";
        if (m.Layers is null || m.Layers.Any(l => l is null)) return "field Layers is missing or holds null";
        if (m.Calibration is null) return "field Calibration is missing";
        if (m.Training is null) return "field Training is missing";
        try
        {
            // The settings' own rules: backbone, layers, image size for that backbone, coreset ratio, precisions, ...
            new PatchCoreSettings
            {
                Backbone = m.Backbone, Layers = m.Layers, BackboneWeights = m.BackboneWeights, ImageSize = m.ImageSize, AutoImagePixels = m.AutoImagePixels, TileOverlap = m.TileOverlap,
                CoresetRatio = m.CoresetRatio, ProjectionDimensions = m.ProjectionDimensions, Seed = m.Seed,
                NumNeighbors = m.NumNeighbors, BlurSigma = m.BlurSigma, Precision = m.Precision, KnnPrecision = m.KnnPrecision,
            }.Validate();
        }
        catch (ArgumentException e)
        {
            return $"its training settings are not valid: {e.Message.TrimEnd('.')}";
        }
        if (m.EmbeddingDimensions != dimensions)
            return $"field EmbeddingDimensions is {m.EmbeddingDimensions} but the memory bank has {dimensions} dimensions";
        if (m.Training.BankSize != rows)
            return $"field Training.BankSize is {m.Training.BankSize} but the memory bank has {rows} rows";
        if (m.PatchGrid.Height < 1 || m.PatchGrid.Width < 1 || m.PatchGrid.Height > m.ImageSize.Height || m.PatchGrid.Width > m.ImageSize.Width)
            return $"field PatchGrid is {m.PatchGrid}; expected 1..{m.ImageSize} (the image size)";
        if (m.Training.Aspect is double aspect && !(aspect > 0 && double.IsFinite(aspect)))
            return $"field Training.Aspect is {aspect}; expected a positive number";
        var c = m.Calibration;
        foreach (var (name, value) in new[]
                 {
                     ("ImageThreshold", c.ImageThreshold), ("PixelThreshold", c.PixelThreshold), ("ImageMin", c.ImageMin),
                     ("ImageMax", c.ImageMax), ("PixelMin", c.PixelMin), ("PixelMax", c.PixelMax),
                 })
            if (!float.IsFinite(value)) return $"field Calibration.{name} is {value}; expected a finite number";
        if (c.ImageMin > c.ImageMax) return $"field Calibration.ImageMin ({c.ImageMin}) is above Calibration.ImageMax ({c.ImageMax})";
        if (c.PixelMin > c.PixelMax) return $"field Calibration.PixelMin ({c.PixelMin}) is above Calibration.PixelMax ({c.PixelMax})";
        if (c.GoodImages < 0 || c.DefectiveImages < 0) return "fields Calibration.GoodImages and DefectiveImages cannot be negative";
        if (!(c.ExpectedFalseRejectRate >= 0 && c.ExpectedFalseRejectRate <= 1))
            return $"field Calibration.ExpectedFalseRejectRate is {c.ExpectedFalseRejectRate}; expected a rate from 0 to 1";
        var t = m.Training;
        if (t.Images < 0 || t.Patches < rows) return $"fields Training.Images ({t.Images}) and Training.Patches ({t.Patches}) are not consistent with a bank of {rows} rows";
        return null;
    }
}
