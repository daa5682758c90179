namespace Inspection.Engine.Models;

/// <summary>Thresholds (raw score units) and the min/max used for normalised scores, all from held-out images.</summary>
public sealed record Calibration
{
    public required float ImageThreshold { get; init; }
    public required float PixelThreshold { get; init; }
    public required float ImageMin { get; init; }
    public required float ImageMax { get; init; }
    public required float PixelMin { get; init; }
    public required float PixelMax { get; init; }
    /// <summary>How the thresholds were chosen, for people reading the file.</summary>
    public required string Method { get; init; }
    public required int GoodImages { get; init; }
    public required int DefectiveImages { get; init; }
    /// <summary>
    /// The false-reject rate the image threshold promises on good parts (<see cref="Metrics.ConformalThreshold.RateAt"/>):
    /// guaranteed when the threshold was chosen for a target rate, an estimate otherwise; 0 in files older than it.
    /// </summary>
    public double ExpectedFalseRejectRate { get; init; }
    /// <summary>Raw image scores of the held-out good images, so people can see how close to the threshold they came.</summary>
    public float[] GoodScores { get; init; } = [];
    /// <summary>Raw image scores of the held-out defective images (none without a test or validation defect set).</summary>
    public float[] DefectiveScores { get; init; } = [];

    // A record compares arrays by reference; a calibration read back from a file must equal the one written.
    public bool Equals(Calibration? other) => other is not null
        && (ImageThreshold, PixelThreshold, ImageMin, ImageMax, PixelMin, PixelMax, Method, GoodImages, DefectiveImages, ExpectedFalseRejectRate)
            == (other.ImageThreshold, other.PixelThreshold, other.ImageMin, other.ImageMax, other.PixelMin, other.PixelMax, other.Method, other.GoodImages, other.DefectiveImages, other.ExpectedFalseRejectRate)
        && GoodScores.AsSpan().SequenceEqual(other.GoodScores) && DefectiveScores.AsSpan().SequenceEqual(other.DefectiveScores);

    public override int GetHashCode() => HashCode.Combine(ImageThreshold, PixelThreshold, ImageMin, ImageMax, Method, GoodScores.Length, DefectiveScores.Length);

    /// <summary>anomalib's min-max normalisation: threshold maps to 0.5, clamped to [0, 1].</summary>
    public float NormaliseImage(float score) => Normalise(score, ImageThreshold, ImageMin, ImageMax);

    public float NormalisePixel(float value) => Normalise(value, PixelThreshold, PixelMin, PixelMax);

    private static float Normalise(float value, float threshold, float min, float max)
    {
        float range = max - min;
        if (!(range > 0)) range = 1e-6f;
        return Math.Clamp((value - threshold) / range + 0.5f, 0f, 1f);
    }
}
