using Inspection.Engine.Imaging;

namespace Inspection.Engine.Tiling;

/// <summary>
/// Stitches the anomaly maps of one image's tiles into the map of the whole image (its layout's work size): tiles may
/// arrive in any order and batch; where tiles overlap, their maps are averaged. The image score is the highest tile
/// score (Eq. 7 per tile), kept with the tile it came from.
/// </summary>
public sealed class TileStitcher
{
    private readonly TileLayout _layout;
    private readonly float[] _sum;
    private readonly bool[] _added;
    private bool _averaged;

    public TileStitcher(TileLayout layout)
    {
        _layout = layout;
        _sum = new float[layout.Work.Area];
        _added = new bool[layout.Count];
    }

    public int Added { get; private set; }
    public bool Complete => Added == _layout.Count;
    public float Score { get; private set; } = float.NegativeInfinity;

    /// <summary>The tile whose score is <see cref="Score"/> (-1 before any tile).</summary>
    public int WorstTile { get; private set; } = -1;

    /// <summary>Adds tile <paramref name="index"/>'s score and its map (the tile's size, row-major).</summary>
    public void Add(int index, float score, ReadOnlySpan<float> map)
    {
        var tile = _layout.Tile;
        if (map.Length != tile.Area) throw new ArgumentException($"a tile map of {map.Length} values is not {tile} (height x width)");
        if (_added[index]) throw new InvalidOperationException($"tile {index} was added twice");
        _added[index] = true;
        Added++;
        if (score > Score) (Score, WorstTile) = (score, index);
        var (x, y) = _layout.Origin(index);
        int width = _layout.Work.Width;
        for (int r = 0; r < tile.Height; r++)
        {
            var row = _sum.AsSpan((y + r) * width + x, tile.Width);
            var from = map.Slice(r * tile.Width, tile.Width);
            for (int c = 0; c < row.Length; c++) row[c] += from[c];
        }
    }

    /// <summary>The stitched map (row-major, the layout's work size), overlaps averaged, once every tile is in.</summary>
    public float[] Map()
    {
        if (!Complete) throw new InvalidOperationException($"{Added} of {_layout.Count} tiles stitched");
        if (_averaged) return _sum; // averaged in place, once
        _averaged = true;
        var columns = _layout.CoverageOfColumns();
        var rows = _layout.CoverageOfRows();
        int width = _layout.Work.Width;
        for (int y = 0; y < _layout.Work.Height; y++)
            for (int x = 0; x < width; x++)
                _sum[y * width + x] /= columns[x] * rows[y];
        return _sum;
    }

    public Extent Size => _layout.Work;
}
