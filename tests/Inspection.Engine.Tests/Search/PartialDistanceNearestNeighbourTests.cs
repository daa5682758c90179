using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;
using Inspection.Engine.Search;

namespace Inspection.Engine.Tests.Search;

public class PartialDistanceNearestNeighbourTests
{
    /// <summary>
    /// Patch-like data: clusters in 160 dimensions whose variance falls off along a few axes (hidden by a random
    /// rotation), so the pruned path is taken, as it is for real patch banks.
    /// </summary>
    private static (Tensor Bank, Tensor Queries) Anisotropic(int bankSize, int seed)
    {
        manual_seed(seed);
        using var scales = exp(arange(160, dtype: ScalarType.Float32) * -0.08f) * 3;
        var (rotation, upper) = linalg.qr(randn(160, 160));
        upper.Dispose();
        using var centers = randn(60, 160) * scales;
        using var which = randint(0, 60, [bankSize]);
        var bank = ((centers.index_select(0, which) + 0.3 * randn(bankSize, 160) * scales).matmul(rotation)).contiguous();
        rotation.Dispose();
        // Queries: near bank vectors (normal patches), exact copies (distance 0) and far from everything (defects).
        using var near = bank.narrow(0, 0, 300) + 0.05 * randn(300, 160);
        using var copies = bank.narrow(0, 1000, 50).clone();
        using var far = randn(100, 160) * 6;
        var queries = cat([near, copies, far], 0);
        return (bank, queries);
    }

    [Fact]
    public void Pruned_search_finds_the_neighbours_of_the_full_search()
    {
        var (bank, queries) = Anisotropic(6000, 21);
        using (bank)
        using (queries)
        using (var pruned = new NearestNeighbourSearch(bank, 1 << 20)) // small budget: several query blocks
        using (var full = new NearestNeighbourSearch(bank, pruned: false))
        {
            Assert.True(pruned.IsPruned, "this bank carries most of its variance on a few axes");
            Assert.False(full.IsPruned);
            var (d, i) = pruned.Search(queries, 1);
            var (ed, ei) = full.Search(queries, 1);
            using var exact = cdist(queries, bank);
            var (cd, ci) = exact.min(1, keepdim: true);
            Assert.Equal(ci.data<long>().ToArray(), i.data<long>().ToArray());
            Assert.Equal(ei.data<long>().ToArray(), i.data<long>().ToArray());
            // Distances are direct sums of squared differences (cdist's matrix-product form is the less exact one near 0).
            using var direct = (queries - bank.index_select(0, i.flatten())).norm(1, keepdim: true);
            Assert.True(d.allclose(direct, rtol: 1e-4, atol: 1e-4), "distances must match direct ones");
            Assert.True(d.allclose(cd, rtol: 1e-3, atol: 1e-2));
            // The copies are found exactly, at distance zero.
            Assert.Equal(Enumerable.Range(1000, 50).Select(x => (long)x).ToArray(), i.narrow(0, 300, 50).data<long>().ToArray());
            Assert.True(d.narrow(0, 300, 50).max().item<float>() < 1e-3f);
            foreach (var t in new[] { d, i, ed, ei, cd, ci }) t.Dispose();
        }
    }

    [Fact]
    public void Ties_go_to_the_lowest_index_and_isotropic_banks_keep_the_full_search()
    {
        var (bank, _) = Anisotropic(3000, 5);
        using (bank)
        {
            // Row 1000 duplicated at 2536: a query equal to it has two nearest vectors at distance 0. (Rows 1,536 apart
            // sit alike in any matrix-product tiling of up to 512 rows, so their rotated copies are the same bits.)
            bank.narrow(0, 2536, 1).copy_(bank.narrow(0, 1000, 1));
            using var search = new NearestNeighbourSearch(bank);
            Assert.True(search.IsPruned);
            var (noDistances, noIndices) = search.Search(empty(0, 160), 1);
            Assert.Equal([0L, 1L], noDistances.shape); // no queries, no answers, no error
            Assert.Equal([0L, 1L], noIndices.shape);
            using var query = bank.narrow(0, 2536, 1).clone();
            var (d, i) = search.Search(query, 1);
            Assert.Equal(1000L, i.item<long>());
            Assert.True(d.item<float>() < 1e-4f); // zero up to the rounding of rotating query and bank separately
            d.Dispose(); i.Dispose();
        }
        manual_seed(8);
        using var isotropic = randn(5000, 160);
        using var plain = new NearestNeighbourSearch(isotropic);
        Assert.False(plain.IsPruned); // no few axes carry most of it: the bound would prune little
    }
}
