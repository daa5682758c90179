using Inspection.Actors.Extraction;
using Inspection.Actors.Messages;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using Inspection.Engine.Tiling;

namespace Inspection.Actors.Lines;

/// <summary>
/// How many times a frame's usual time it may take: a tiled line's frame costs about one frame per tile, so its
/// deadlines (the line's, and an HTTP client's wait) grow with its tile count over
/// <see cref="LineOptions.TilesPerTimeout"/>; every other frame's is 1. Read from the frame's header, nothing decoded.
/// </summary>
public static class FrameTimeScale
{
    public static double Of(ModelDeployment deployment, byte[] encoded, int tilesPerTimeout)
    {
        if (!deployment.Tiled || ImageHeader.SizeOf(encoded) is not var (width, height)) return 1;
        try { return Math.Max(1, new TileLayout(width, height, deployment.Input(), deployment.TileOverlap).Count / (double)Math.Max(1, tilesPerTimeout)); }
        catch (ArgumentException) { return 1; } // the extractor fails the frame with the reason
    }
}
