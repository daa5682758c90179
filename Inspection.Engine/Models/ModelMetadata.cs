namespace Inspection.Engine.Models;

/// <summary>Everything a model file says about a trained model besides the memory bank itself.</summary>
public sealed record ModelMetadata
{
    public required string Backbone { get; init; }
    public required IReadOnlyList<string> Layers { get; init; }
    public string? BackboneWeights { get; init; }
    /// <summary>Input height x width (a number in the file when square, as files from before rectangles have it).</summary>
    public required Imaging.Extent ImageSize { get; init; }
    /// <summary>The pixel budget when the size was chosen by <c>--image-size auto</c> (null: given as it is).</summary>
    public int? AutoImagePixels { get; init; }
    /// <summary>Tiled inspection: images are cut into tiles of <see cref="ImageSize"/> overlapping by this many pixels (null: whole images resized).</summary>
    public int? TileOverlap { get; init; }
    public required int EmbeddingDimensions { get; init; }
    /// <summary>Patch grid of one image, rows x columns.</summary>
    public required Imaging.Extent PatchGrid { get; init; }
    public required double CoresetRatio { get; init; }
    public required int ProjectionDimensions { get; init; }
    public required int Seed { get; init; }
    public required int NumNeighbors { get; init; }
    public required double BlurSigma { get; init; }
    /// <summary>Backbone and kNN number format the model was trained with (files from before this field: fp32).</summary>
    public string Precision { get; init; } = PatchCore.ComputePrecision.Float32;
    /// <summary>kNN number format when it differs from <see cref="Precision"/> (null, and in older files: the same).</summary>
    public string? KnnPrecision { get; init; }

    public string EffectiveKnnPrecision => KnnPrecision ?? Precision;
    public required Calibration Calibration { get; init; }
    public required TrainingSet Training { get; init; }
}
