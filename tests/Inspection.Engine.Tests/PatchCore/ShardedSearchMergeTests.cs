using Inspection.Engine.Native;
using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;
using Inspection.Engine.Search;

namespace Inspection.Engine.Tests.PatchCore;

/// <summary>A bank split into slices and searched slice by slice, merged, gives what one search of the whole bank gives (the support merge: BankSliceTests).</summary>
public class ShardedSearchMergeTests
{
    /// <summary>Each slice's answer, as a shard gives it (<see cref="BankSlice"/>): global indices, nearest first.</summary>
    private static List<ShardedSearchMerge.Nearest> PerSlice(Tensor bank, Tensor queries, int slices, int k = 1)
    {
        var answers = new List<ShardedSearchMerge.Nearest>();
        for (int s = 0; s < slices; s++)
        {
            long start = SliceBounds.Start(bank.shape[0], slices, s);
            using var slice = new BankSlice(bank.narrow(0, start, SliceBounds.Length(bank.shape[0], slices, s)).clone(), start);
            var found = slice.Nearest(queries, k);
            answers.Add(new ShardedSearchMerge.Nearest(found.K, found.Distances, found.Indices));
        }
        return answers;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void Merged_slices_give_the_nearest_of_the_whole_bank(int slices)
    {
        manual_seed(3);
        using var bank = randn(500, 16);
        using var queries = randn(2 * 64, 16);
        var (scores, locations) = ShardedSearchMerge.MergeNearest(PerSlice(bank, queries, slices), 128);
        using var whole = new NearestNeighbourSearch(bank);
        var (d, i) = whole.Search(queries, 1);
        Assert.Equal(HostArrays.ToArray<long>(i), locations);
        var expected = HostArrays.ToArray<float>(d);
        for (int r = 0; r < 128; r++) Assert.Equal(expected[r], scores[r], 4);
        d.Dispose(); i.Dispose();
    }

    [Fact]
    public void Ties_go_to_the_lowest_global_index_whatever_order_the_shards_answer_in()
    {
        var low = new ShardedSearchMerge.Nearest(1, [2f, 1f], [10, 11]);
        var high = new ShardedSearchMerge.Nearest(1, [2f, 0.5f], [40, 41]);
        var (scores, locations) = ShardedSearchMerge.MergeNearest([high, low], 2);
        Assert.Equal([2f, 0.5f], scores);
        Assert.Equal([10L, 41L], locations);
    }

    [Fact]
    public void The_worst_patch_of_each_frame_is_its_highest_score_first_on_ties()
    {
        float[] scores = [1, 5, 5, 2, /* frame 2 */ 0, 0, 3, 1];
        Assert.Equal([1, 6], ShardedSearchMerge.WorstPatches(scores, 2));
        Assert.Throws<ArgumentException>(() => ShardedSearchMerge.WorstPatches(scores, 3));
    }
}
