using Inspection.Engine.Metrics;
using Xunit;

namespace Inspection.Engine.Tests.Metrics;

public class ConnectedComponentsTests
{
    [Fact]
    public void DiagonalPixelsJoin()
    {
        bool[] mask =
        [
            true, false, false,
            false, true, false,
            false, false, true,
        ];
        var labels = new int[9];

        int count = ConnectedComponents.Label(mask, 3, 3, labels);

        Assert.Equal(1, count);
        Assert.Equal([1, 0, 0, 0, 1, 0, 0, 0, 1], labels);
    }

    [Fact]
    public void SeparateBlobsGetSeparateLabels()
    {
        bool[] mask =
        [
            true, false, false, true, true,
            true, false, false, false, true,
            false, false, false, false, false,
        ];
        var labels = new int[15];

        int count = ConnectedComponents.Label(mask, 5, 3, labels);

        Assert.Equal(2, count);
        Assert.Equal(
            [
                1, 0, 0, 2, 2,
                1, 0, 0, 0, 2,
                0, 0, 0, 0, 0,
            ],
            labels);
    }

    [Fact]
    public void EmptyMaskHasNoRegionAndClearsLabels()
    {
        var labels = new int[] { 7, 7, 7, 7 };
        Assert.Equal(0, ConnectedComponents.Label(new bool[4], 2, 2, labels));
        Assert.Equal([0, 0, 0, 0], labels);
    }

    [Fact]
    public void LargeRegionDoesNotOverflowTheStack()
    {
        const int side = 2000;
        var mask = new bool[side * side];
        Array.Fill(mask, true);
        var labels = new int[side * side];
        Assert.Equal(1, ConnectedComponents.Label(mask, side, side, labels));
        Assert.Equal(1, labels[^1]);
    }

    [Fact]
    public void WrongMaskSizeThrows()
    {
        Assert.Throws<ArgumentException>(() => ConnectedComponents.Label(new bool[5], 2, 2, new int[4]));
    }
}
