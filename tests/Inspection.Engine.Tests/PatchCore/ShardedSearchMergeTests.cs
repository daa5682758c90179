using Inspection.Engine.Native;
using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.PatchCore;

/// <summary>A bank split into slices and searched slice by slice, merged, gives what one search of the whole bank gives.</summary>
public class ShardedSearchMergeTests
{
    /// <summary>Searches each contiguous slice of <paramref name="bank"/> as a shard does: global indices, nearest first.</summary>
    private static List<ShardedSearchMerge.Nearest> PerSlice(Tensor bank, Tensor queries, int slices, int k = 1)
    {
        long n = bank.shape[0];
        var answers = new List<ShardedSearchMerge.Nearest>();
        for (int s = 0; s < slices; s++)
        {
            long start = n * s / slices, end = n * (s + 1) / slices;
            using var slice = bank.narrow(0, start, end - start);
            using var search = new NearestNeighbourSearch(slice);
            var (d, i) = search.Search(queries, k);
            answers.Add(new ShardedSearchMerge.Nearest(k, HostArrays.ToArray<float>(d), HostArrays.ToArray<long>(i + start)));
            d.Dispose(); i.Dispose();
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

    [Fact]
    public void The_support_merge_over_slices_gives_the_image_score_of_one_search()
    {
        manual_seed(8);
        const int k = 9;
        using var bank = randn(400, 16);
        using var patches = randn(3, 64, 16);
        using var whole = new NearestNeighbourSearch(bank);
        var (patchScores, locations) = whole.Search(patches.reshape(-1, 16), 1);
        using var expected = ImageScoreReweighting.Score(patchScores.reshape(3, 64), locations.reshape(3, 64), patches, whole, k);

        // As the scorer does it: the worst patch of each frame, its m*, and each slice's neighbours of m*.
        var merged = ShardedSearchMerge.MergeNearest(PerSlice(bank, patches.reshape(-1, 16), 4), 3 * 64);
        var worst = ShardedSearchMerge.WorstPatches(merged.Scores, 3);
        using var centers = bank.index_select(0, tensor(worst.Select(w => merged.Locations[w]).ToArray()));
        using var worstPatches = patches.reshape(-1, 16).index_select(0, tensor(worst.Select(w => (long)w).ToArray()));
        var support = new List<ShardedSearchMerge.Support>();
        for (int s = 0; s < 4; s++)
        {
            long start = 100L * s;
            using var slice = bank.narrow(0, start, 100);
            using var search = new NearestNeighbourSearch(slice);
            var (cd, ci) = search.Search(centers, k);
            using var vectors = slice.index_select(0, ci.flatten()).reshape(3, k, -1);
            using var pd = (vectors - worstPatches.unsqueeze(1)).pow(2).sum(2).sqrt();
            support.Add(new ShardedSearchMerge.Support(k, HostArrays.ToArray<float>(cd), HostArrays.ToArray<long>(ci + start), HostArrays.ToArray<float>(pd)));
            cd.Dispose(); ci.Dispose();
        }
        var scores = HostArrays.ToArray<float>(expected);
        for (int f = 0; f < 3; f++)
        {
            var distances = ShardedSearchMerge.SupportDistances(support, f, k);
            Assert.Equal(k, distances.Length);
            Assert.Equal(scores[f], ImageScoreReweighting.Weighted(merged.Scores[worst[f]], distances), 4);
        }
        patchScores.Dispose(); locations.Dispose();
    }
}
