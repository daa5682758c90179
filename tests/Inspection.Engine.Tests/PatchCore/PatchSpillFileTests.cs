using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.PatchCore;

public class PatchSpillFileTests
{
    [Fact]
    public void Gather_returns_the_chosen_rows_in_the_order_asked_across_copy_blocks()
    {
        manual_seed(11);
        // 384-d rows are gathered 2,730 at a time through a 4 MB buffer; 7,000 rows in a shuffled order cross two
        // block boundaries, and rows appended in several batches must read back where they were written.
        using var patches = randn(9000, 384);
        using var spill = new PatchSpillFile(384);
        for (long start = 0; start < 9000; start += 4000)
        {
            using var part = patches.narrow(0, start, Math.Min(4000, 9000 - start));
            spill.Append(part.data<float>().ToArray());
        }
        Assert.Equal(9000, spill.Rows);
        var order = Enumerable.Range(0, 9000).Select(i => (long)i).OrderBy(i => (i * 7919) % 9000).Take(7000).ToArray();
        using var gathered = spill.Gather(order);
        using var expected = patches.index_select(0, tensor(order));
        Assert.Equal([7000L, 384L], gathered.shape);
        Assert.Equal(expected.data<float>().ToArray(), gathered.data<float>().ToArray());
    }
}
