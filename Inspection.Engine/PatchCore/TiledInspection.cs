using Inspection.Engine.Imaging;
using SkiaSharp;

namespace Inspection.Engine.PatchCore;

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
        var tile = model.Metadata.ImageSize;
        var layout = new TileLayout(image.Width, image.Height, tile, overlap);
        var pixels = TilePixels.Of(image, layout);
        int width = layout.Work.Width;
        var sum = new float[layout.Work.Area];
        float score = float.NegativeInfinity;
        var timings = new StageTimings(0, 0, 0, 0);
        for (int start = 0; start < layout.Count; start += batchSize)
        {
            var indices = Enumerable.Range(start, Math.Min(batchSize, layout.Count - start)).ToList();
            var tiles = indices.Select(i =>
            {
                var (x, y) = layout.Origin(i);
                return new PreparedImage($"tile {i}", tile.Width, tile.Height, pixels.Crop(x, y, tile), tile);
            }).ToList();
            var scored = model.Inspect(tiles);
            timings = new StageTimings(timings.Backbone + scored.Timings.Backbone, timings.Embedding + scored.Timings.Embedding,
                timings.Knn + scored.Timings.Knn, timings.Map + scored.Timings.Map);
            for (int k = 0; k < indices.Count; k++)
            {
                score = Math.Max(score, scored.ImageScores[k]);
                var (x, y) = layout.Origin(indices[k]);
                var map = scored.AnomalyMaps[k];
                for (int r = 0; r < tile.Height; r++)
                {
                    int row = (y + r) * width + x, from = r * tile.Width;
                    for (int c = 0; c < tile.Width; c++) sum[row + c] += map[from + c];
                }
            }
        }
        var columns = layout.CoverageOfColumns();
        var rows = layout.CoverageOfRows();
        for (int y = 0; y < layout.Work.Height; y++)
            for (int x = 0; x < width; x++)
                sum[y * width + x] /= columns[x] * rows[y];
        return new Result(score, sum, layout.Work, layout.Count, timings);
    }

    /// <summary>The layout of a file's tiles, from its header (nothing decoded).</summary>
    public static TileLayout LayoutOf(string path, Extent tile, int overlap)
    {
        var (width, height) = ImageHeader.SizeOf(path) ?? throw new ImageReadException(path, "not a supported image format");
        return new TileLayout(width, height, tile, overlap);
    }
}
