using Inspection.Engine.Imaging;
using Xunit;

namespace Inspection.Engine.Tests.Imaging;

public sealed class MapReductionTests
{
    [Fact]
    public void A_map_within_the_budget_is_returned_as_it_is()
    {
        var map = new float[] { 1, 2, 3, 4, 5, 6 };
        var (reduced, size) = MapReduction.ToAtMost(map, new Extent(2, 3), 6);
        Assert.Same(map, reduced);
        Assert.Equal(new Extent(2, 3), size);
    }

    [Fact]
    public void A_larger_map_shrinks_by_a_whole_factor_to_within_the_budget_keeping_each_blocks_maximum()
    {
        // 5 x 7 = 35 pixels into at most 12: factor 2 gives 3 x 4, the last row and column blocks partial.
        var map = new float[35];
        map[1 * 7 + 6] = 9; // row 1, column 6: block (0, 3)
        map[4 * 7 + 0] = 5; // row 4, column 0: block (2, 0)
        map[2 * 7 + 2] = -1;
        var (reduced, size) = MapReduction.ToAtMost(map, new Extent(5, 7), 12);
        Assert.Equal(new Extent(3, 4), size);
        Assert.Equal(12, reduced.Length);
        Assert.Equal(9, reduced[0 * 4 + 3]);
        Assert.Equal(5, reduced[2 * 4 + 0]);
        Assert.Equal(0, reduced[1 * 4 + 1]); // -1 and three zeros
        Assert.Equal(14, reduced.Sum());
    }

    [Fact]
    public void The_factor_grows_until_the_rounded_up_size_fits()
    {
        // 10 x 10 into 30: sqrt(100 / 30) rounds up to 2, but 5 x 5 = 25 fits; into 20, 3 gives 4 x 4 = 16.
        Assert.Equal(new Extent(5, 5), MapReduction.ToAtMost(new float[100], new Extent(10, 10), 30).Size);
        Assert.Equal(new Extent(4, 4), MapReduction.ToAtMost(new float[100], new Extent(10, 10), 20).Size);
        Assert.Throws<ArgumentOutOfRangeException>(() => MapReduction.ToAtMost(new float[4], new Extent(2, 2), 0));
    }
}
