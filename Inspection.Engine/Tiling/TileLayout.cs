using Inspection.Engine.Imaging;

namespace Inspection.Engine.Tiling;

/// <summary>
/// Where the tiles of one image lie for tiled inspection: tiles of the model's input size, each step a tile less the
/// overlap, the last one flush with the far edge (so it may overlap more). An image smaller than a tile in a side is
/// first enlarged (keeping its aspect) to cover one tile: Work is the size the tiles are cut from, and the size of the
/// stitched anomaly map. The tiles form a grid, so how many cover a pixel is the product of a column and a row count.
/// </summary>
public sealed class TileLayout
{
    public TileLayout(int width, int height, Extent tile, int overlap)
    {
        if (width < 1 || height < 1) throw new ArgumentException($"An image of {width}x{height} pixels has nothing to tile.");
        if (overlap < 0 || overlap >= Math.Min(tile.Height, tile.Width))
            throw new ArgumentException($"A tile overlap of {overlap} pixels must be from 0 to less than the tile's shorter side ({tile.ShortSide}).");
        double scale = Math.Max(1, Math.Max((double)tile.Width / width, (double)tile.Height / height));
        Work = new Extent(Math.Max(tile.Height, (int)Math.Ceiling(height * scale - 1e-9)), Math.Max(tile.Width, (int)Math.Ceiling(width * scale - 1e-9)));
        Tile = tile;
        Overlap = overlap;
        Columns = Origins(Work.Width, tile.Width, overlap);
        Rows = Origins(Work.Height, tile.Height, overlap);
    }

    public Extent Tile { get; }
    public int Overlap { get; }

    /// <summary>The image's size when tiled: its own, or enlarged to hold a tile.</summary>
    public Extent Work { get; }

    /// <summary>Left edges of the tile columns and top edges of the tile rows.</summary>
    public IReadOnlyList<int> Columns { get; }
    public IReadOnlyList<int> Rows { get; }

    public int Count => Columns.Count * Rows.Count;

    /// <summary>Tile <paramref name="index"/>'s top-left corner, row by row.</summary>
    public (int X, int Y) Origin(int index) => (Columns[index % Columns.Count], Rows[index / Columns.Count]);

    /// <summary>Tiles covering each column (x) and each row (y) of the work size.</summary>
    public int[] CoverageOfColumns() => Coverage(Columns, Tile.Width, Work.Width);
    public int[] CoverageOfRows() => Coverage(Rows, Tile.Height, Work.Height);

    private static int[] Origins(int length, int tile, int overlap)
    {
        if (length <= tile) return [0];
        int stride = tile - overlap;
        int count = (length - tile + stride - 1) / stride + 1;
        return Enumerable.Range(0, count).Select(i => Math.Min(i * stride, length - tile)).Distinct().ToArray();
    }

    private static int[] Coverage(IReadOnlyList<int> origins, int tile, int length)
    {
        var counts = new int[length];
        foreach (int start in origins)
            for (int i = start; i < start + tile; i++) counts[i]++;
        return counts;
    }
}
