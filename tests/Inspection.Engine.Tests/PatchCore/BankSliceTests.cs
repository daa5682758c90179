using Inspection.Engine.Native;
using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;
using Inspection.Engine.Search;

namespace Inspection.Engine.Tests.PatchCore;

/// <summary>
/// A bank cut into slices answers, slice by slice and merged, what one search of the whole bank answers: m*'s vector
/// from the one slice that holds it, and Eq. 7's image score (nearest rows alone: ShardedSearchMergeTests); and a slice
/// reads back in chunks unchanged.
/// </summary>
public class BankSliceTests
{
    private static List<BankSlice> Cut(Tensor bank, int shards) => Enumerable.Range(0, shards).Select(s =>
    {
        long start = SliceBounds.Start(bank.shape[0], shards, s);
        return new BankSlice(bank.narrow(0, start, SliceBounds.Length(bank.shape[0], shards, s)).clone(), start);
    }).ToList();

    [Fact]
    public void A_slice_gives_the_vectors_of_the_global_rows_it_holds_and_no_others()
    {
        using var bank = arange(0, 60, dtype: ScalarType.Float32).reshape(20, 3);
        var slices = Cut(bank, 2); // rows 0..9 and 10..19
        try
        {
            var (owned, vectors) = slices[1].Vectors([3, 15, 10, 19, 20]);
            Assert.Equal([15L, 10, 19], owned);
            Assert.Equal([45f, 46, 47, 30, 31, 32, 57, 58, 59], vectors);
            var (none, empty) = slices[0].Vectors([12]);
            Assert.Empty(none);
            Assert.Empty(empty);
        }
        finally { slices.ForEach(s => s.Dispose()); }
    }

    [Fact]
    public void The_support_of_each_slice_merges_to_the_image_score_of_one_bank()
    {
        manual_seed(22);
        const int k = 9;
        using var bank = randn(400, 16);
        using var patches = randn(3, 64, 16);
        using var whole = new NearestNeighbourSearch(bank);
        var (patchScores, locations) = whole.Search(patches.reshape(-1, 16), 1);
        using var expected = ImageScoreReweighting.Score(patchScores.reshape(3, 64), locations.reshape(3, 64), patches, whole, k);
        var slices = Cut(bank, 3);
        try
        {
            // As the scorer does it, with every answer from the slices: nearest, m*'s rows, support.
            var merged = ShardedSearchMerge.MergeNearest(slices.Select(s => s.Nearest(patches.reshape(-1, 16), 1))
                .Select(n => new ShardedSearchMerge.Nearest(n.K, n.Distances, n.Indices)).ToList(), 3 * 64);
            var worst = ShardedSearchMerge.WorstPatches(merged.Scores, 3);
            var mStar = worst.Select(w => merged.Locations[w]).ToArray();
            var centers = new float[3 * 16];
            foreach (var slice in slices)
            {
                var (owned, vectors) = slice.Vectors(mStar);
                for (int o = 0; o < owned.Length; o++)
                    for (int frame = 0; frame < 3; frame++)
                        if (mStar[frame] == owned[o]) vectors.AsSpan(o * 16, 16).CopyTo(centers.AsSpan(frame * 16));
            }
            using var centerTensor = tensor(centers, [3, 16]);
            using var worstPatches = patches.reshape(-1, 16).index_select(0, tensor(worst.Select(w => (long)w).ToArray()));
            var support = slices.Select(s => s.SupportOf(centerTensor, worstPatches, k))
                .Select(a => new ShardedSearchMerge.Support(a.K, a.CenterDistances, a.Indices, a.PatchDistances)).ToList();
            var want = HostArrays.ToArray<float>(expected);
            for (int frame = 0; frame < 3; frame++)
            {
                float score = ImageScoreReweighting.Weighted(merged.Scores[worst[frame]], ShardedSearchMerge.SupportDistances(support, frame, k));
                Assert.Equal(want[frame], score, 4);
            }
        }
        finally { slices.ForEach(s => s.Dispose()); patchScores.Dispose(); locations.Dispose(); }
    }

    [Fact]
    public void A_bank_of_one_slice_answers_nearest_and_support_in_one_call_with_the_image_scores_of_one_bank()
    {
        manual_seed(23);
        const int k = 9;
        using var bank = randn(300, 16);
        using var patches = randn(4, 49, 16);
        using var whole = new NearestNeighbourSearch(bank);
        var (patchScores, locations) = whole.Search(patches.reshape(-1, 16), 1);
        using var expected = ImageScoreReweighting.Score(patchScores.reshape(4, 49), locations.reshape(4, 49), patches, whole, k);
        using var slice = new BankSlice(bank.clone(), 0);

        var (nearest, support) = slice.NearestWithSupport(patches.reshape(-1, 16), 49, k);

        Assert.Equal(HostArrays.ToArray<long>(locations), nearest.Indices);
        var worst = ShardedSearchMerge.WorstPatches(nearest.Distances, 4);
        var want = HostArrays.ToArray<float>(expected);
        var answer = new ShardedSearchMerge.Support(support.K, support.CenterDistances, support.Indices, support.PatchDistances);
        for (int frame = 0; frame < 4; frame++)
            Assert.Equal(want[frame], ImageScoreReweighting.Weighted(nearest.Distances[worst[frame]], ShardedSearchMerge.SupportDistances([answer], frame, k)), 4);
        Assert.Throws<ArgumentException>(() => slice.NearestWithSupport(patches.reshape(-1, 16), 50, k));
        patchScores.Dispose(); locations.Dispose();
    }

    [Fact]
    public void A_slice_assembled_from_chunks_reads_back_in_chunks_unchanged()
    {
        var values = Enumerable.Range(0, 7 * 4).Select(v => v * 0.5f).ToArray();
        using var slice = BankSlice.Assemble(100, 4, [(3, s => values.AsSpan(0, 12).CopyTo(s)), (4, s => values.AsSpan(12).CopyTo(s))], CPU);
        Assert.Equal((100L, 7L, 4), (slice.Offset, slice.Rows, slice.Columns));
        var read = new List<float>();
        for (long from = 0; from < slice.Rows; from += 2) read.AddRange(slice.Read(from, 2));
        Assert.Equal(values, read);
        Assert.Equal(4, slice.Read(6, 2).Length); // the last chunk is short
        Assert.Throws<ArgumentOutOfRangeException>(() => slice.Read(7, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => slice.Read(0, 0));
    }

    [Fact]
    public void A_slice_must_be_a_non_empty_float_matrix()
    {
        Assert.Throws<ArgumentException>(() => new BankSlice(zeros(0, 4), 0));
        Assert.Throws<ArgumentException>(() => new BankSlice(zeros(4), 0));
        Assert.Throws<ArgumentException>(() => new BankSlice(zeros(new long[] { 2, 4 }, dtype: ScalarType.Float64), 0));
    }
}
