using Inspection.Actors.Messages;
using Inspection.Engine.Models;

namespace Inspection.Actors.Scoring;

/// <summary>A deployment's thresholds and normalisation as the engine's <see cref="Calibration"/>.</summary>
public static class DeploymentCalibration
{
    public static Calibration Calibration(this ModelDeployment d, string method = "") => new()
    {
        ImageThreshold = d.ImageThreshold, ImageMin = d.ImageMin, ImageMax = d.ImageMax,
        PixelThreshold = d.PixelThreshold, PixelMin = d.PixelMin, PixelMax = d.PixelMax,
        Method = method, GoodImages = 0, DefectiveImages = 0,
    };
}
