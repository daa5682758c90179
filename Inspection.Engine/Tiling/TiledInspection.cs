using Inspection.Engine.Imaging;
using SkiaSharp;

using Inspection.Engine.PatchCore;

namespace Inspection.Engine.Tiling;

/// <summary>
/// Tiled inspection of an image much larger than the model input: tiles of the input size (<see cref="TileLayout"/>),
/// a batch of them at a time, each scored against the one bank (Eq. 7 per tile); the image score is the highest tile
/// score and the anomaly map is the tiles' maps stitched, overlaps averaged. Memory holds one batch of tiles and the
/// stitched map, whatever the image size.
/// </summary>
public static class TiledInspection
{
    /// <summary>One image's score and map (row-major, MapSize: the layout's work size, the image's own unless it was smaller than a tile).</summary>
    public sealed record Result(float Score, float[] Map, Extent MapSize, int Tiles, StageTimings Timings);

    public static Result Inspect(PatchCoreModel model, SKBitmap image, int overlap, int batchSize)
    {
        var tiles = new ImageTiles(image, model.Metadata.ImageSize, overlap, "image");
        var stitcher = new TileStitcher(tiles.Layout);
        var timings = new StageTimings(0, 0, 0, 0);
        for (int start = 0; start < tiles.Count; start += batchSize)
        {
            var scored = model.Inspect(tiles.Batch(start, batchSize));
            timings = new StageTimings(timings.Backbone + scored.Timings.Backbone, timings.Embedding + scored.Timings.Embedding,
                timings.Knn + scored.Timings.Knn, timings.Map + scored.Timings.Map);
            for (int k = 0; k < scored.ImageScores.Length; k++) stitcher.Add(start + k, scored.ImageScores[k], scored.AnomalyMaps[k]);
        }
        return new Result(stitcher.Score, stitcher.Map(), stitcher.Size, tiles.Count, timings);
    }

    /// <summary>The layout of a file's tiles, from its header (nothing decoded).</summary>
    public static TileLayout LayoutOf(string path, Extent tile, int overlap)
    {
        var (width, height) = ImageHeader.SizeOf(path) ?? throw new ImageReadException(path, "not a supported image format");
        return new TileLayout(width, height, tile, overlap);
    }
}
