using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using Xunit;
using Inspection.Engine.Tiling;

namespace Inspection.Engine.Tests.Tiling;

public sealed class TileStitcherTests
{
    [Fact]
    public void Tiles_in_any_order_stitch_to_their_overlaps_average_and_the_score_is_the_worst_tiles()
    {
        // 4 x 6 pixels in tiles of 4 x 4 overlapping by 2: two tiles, columns 2-3 shared.
        var layout = new TileLayout(6, 4, new Extent(4, 4), 2);
        Assert.Equal(2, layout.Count);
        var stitcher = new TileStitcher(layout);
        stitcher.Add(1, 0.2f, Enumerable.Repeat(3f, 16).ToArray()); // the right tile first
        Assert.False(stitcher.Complete);
        Assert.Throws<InvalidOperationException>(() => stitcher.Map());
        stitcher.Add(0, 0.7f, Enumerable.Repeat(1f, 16).ToArray());
        Assert.True(stitcher.Complete);
        Assert.Equal((0.7f, 0), (stitcher.Score, stitcher.WorstTile));
        var map = stitcher.Map();
        Assert.Equal(new Extent(4, 6), stitcher.Size);
        for (int y = 0; y < 4; y++)
            Assert.Equal(new[] { 1f, 1f, 2f, 2f, 3f, 3f }, map.AsSpan(y * 6, 6).ToArray());
    }

    [Fact]
    public void A_tile_added_twice_or_of_the_wrong_size_is_refused()
    {
        var stitcher = new TileStitcher(new TileLayout(8, 4, new Extent(4, 4), 0));
        stitcher.Add(0, 1, new float[16]);
        Assert.Throws<InvalidOperationException>(() => stitcher.Add(0, 1, new float[16]));
        Assert.Throws<ArgumentException>(() => stitcher.Add(1, 1, new float[12]));
    }
}
