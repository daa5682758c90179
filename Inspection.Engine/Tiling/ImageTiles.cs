using Inspection.Engine.Imaging;
using SkiaSharp;

namespace Inspection.Engine.Tiling;

/// <summary>
/// One decoded image cut into the tiles of its <see cref="TileLayout"/>, a tile at a time: only the tiles asked for
/// exist as floats, so a batch of tiles, not the whole image, is what the backbone's input costs. The bitmap is
/// borrowed and must outlive this object.
/// </summary>
public sealed class ImageTiles
{
    private readonly TilePixels _pixels;

    public ImageTiles(SKBitmap image, Extent tile, int overlap, string name)
    {
        Layout = new TileLayout(image.Width, image.Height, tile, overlap);
        _pixels = TilePixels.Of(image, Layout);
        Name = name;
    }

    public TileLayout Layout { get; }
    public string Name { get; }
    public int Count => Layout.Count;

    /// <summary>Tile <paramref name="index"/> (row by row) as a model input.</summary>
    public PreparedImage Tile(int index)
    {
        var (x, y) = Layout.Origin(index);
        var tile = Layout.Tile;
        return new PreparedImage($"{Name} tile {index}", tile.Width, tile.Height, _pixels.Crop(x, y, tile), tile);
    }

    /// <summary>Tiles [start, start + count) as one batch.</summary>
    public List<PreparedImage> Batch(int start, int count) =>
        Enumerable.Range(start, Math.Min(count, Count - start)).Select(Tile).ToList();
}
