using Inspection.Actors.Messages;
using Inspection.Engine.Imaging;

namespace Inspection.Actors.Extraction;

/// <summary>The sizes messages hold as plain numbers, as the engine's types (which stay out of the messages).</summary>
public static class InputSizes
{
    /// <summary>What a line asks its input to be: a fixed height x width, or auto within a pixel budget.</summary>
    public static ImageSizeChoice SizeChoice(this LineSettings s) =>
        new(new Extent(s.ImageSize, s.InputWidth), s.AutoImagePixels > 0 ? s.AutoImagePixels : null);

    /// <summary>The model input, height x width.</summary>
    public static Extent Input(this ModelDeployment d) => new(d.ImageSize, d.InputWidth);

    /// <summary>One frame's patch grid, rows x columns.</summary>
    public static Extent Grid(this ModelDeployment d) => new(d.PatchGrid, d.GridColumns);

    /// <summary>The input of a training request, height x width.</summary>
    public static Extent Input(this ExtractTrainingPatches m) => new(m.ImageSize, m.InputWidth);
}
