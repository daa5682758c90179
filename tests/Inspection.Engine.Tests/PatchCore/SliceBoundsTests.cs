using Inspection.Engine.PatchCore;
using Xunit;

namespace Inspection.Engine.Tests.PatchCore;

/// <summary>Slices cover the bank contiguously, differ by at most a row, and every row's owner is the slice that holds it.</summary>
public class SliceBoundsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(10, 3)]
    [InlineData(1000, 7)]
    [InlineData(5, 5)]
    public void Slices_cover_the_bank_and_each_row_belongs_to_the_slice_that_holds_it(long bankSize, int shards)
    {
        Assert.Equal(0, SliceBounds.Start(bankSize, shards, 0));
        Assert.Equal(bankSize, SliceBounds.Start(bankSize, shards, shards));
        var lengths = Enumerable.Range(0, shards).Select(s => SliceBounds.Length(bankSize, shards, s)).ToList();
        Assert.Equal(bankSize, lengths.Sum());
        Assert.True(lengths.Max() - lengths.Min() <= 1, string.Join(", ", lengths));
        for (long row = 0; row < bankSize; row++)
        {
            int s = SliceBounds.SliceOf(bankSize, shards, row);
            Assert.InRange(row, SliceBounds.Start(bankSize, shards, s), SliceBounds.Start(bankSize, shards, s + 1) - 1);
        }
    }

    [Fact]
    public void Rows_and_slices_outside_the_bank_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SliceBounds.SliceOf(10, 2, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => SliceBounds.SliceOf(10, 2, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SliceBounds.Start(10, 2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => SliceBounds.Start(10, 0, 0));
    }
}
