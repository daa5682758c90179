using Inspection.Actors.Messages;
using Inspection.Engine.Imaging;

namespace Inspection.Actors.Extraction;

/// <summary>A deployment's sizes as engine extents (messages hold plain numbers; the engine's types stay out of them).</summary>
public static class DeploymentInput
{
    /// <summary>The model input, height x width.</summary>
    public static Extent Input(this ModelDeployment d) => new(d.ImageSize, d.InputWidth);

    /// <summary>One frame's patch grid, rows x columns.</summary>
    public static Extent Grid(this ModelDeployment d) => new(d.PatchGrid, d.GridColumns);

    /// <summary>The input of a training request, height x width.</summary>
    public static Extent Input(this ExtractTrainingPatches m) => new(m.ImageSize, m.InputWidth);
}
