using Inspection.Actors.Messages;
using Inspection.Engine.Metrics;
using Inspection.Engine.Models;

namespace Inspection.Actors.Scoring;

/// <summary>A deployment's thresholds and normalisation as the engine's <see cref="Calibration"/>, and the verdict rule.</summary>
public static class DeploymentCalibration
{
    /// <summary>
    /// The verdict of a scored frame at <paramref name="d"/>'s threshold: defective above it, and the score normalised so
    /// that the threshold is 0.5. Failures are returned as they are. The scorer judges at the threshold its model was
    /// deployed with; the line judges again at the one it has now (an operator may have moved it).
    /// </summary>
    public static InspectionResult Judged(this InspectionResult result, ModelDeployment d) => result.Failed
        ? result
        : result with { Defective = result.Score > d.ImageThreshold, NormalisedScore = d.Calibration().NormaliseImage(result.Score) };

    public static Calibration Calibration(this ModelDeployment d, string method = "") => new()
    {
        ImageThreshold = d.ImageThreshold, ImageMin = d.ImageMin, ImageMax = d.ImageMax,
        PixelThreshold = d.PixelThreshold, PixelMin = d.PixelMin, PixelMax = d.PixelMax,
        Method = method, GoodImages = d.HeldOutGood?.Length ?? 0, DefectiveImages = 0,
        ExpectedFalseRejectRate = d.ExpectedFalseRejectRate() ?? 0, GoodScores = d.HeldOutGood ?? [],
    };

    /// <summary>
    /// The false-reject rate the current image threshold promises on good parts, from the held-out good scores
    /// (<see cref="ConformalThreshold.RateAt"/>): guaranteed when training chose it for a target, an estimate for a threshold
    /// chosen otherwise or moved by an operator; null for a deployment of an earlier build, which did not keep the scores.
    /// </summary>
    public static double? ExpectedFalseRejectRate(this ModelDeployment d) =>
        d.HeldOutGood is { Length: > 0 } good ? ConformalThreshold.RateAt(d.ImageThreshold, good) : null;
}
