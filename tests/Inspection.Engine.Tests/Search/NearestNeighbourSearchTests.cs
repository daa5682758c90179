using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;
using Inspection.Engine.Search;

namespace Inspection.Engine.Tests.Search;

public class NearestNeighbourSearchTests
{
    [Theory]
    [InlineData(1, 1L << 30)]   // one block
    [InlineData(1, 4096)]       // many bank and query chunks
    [InlineData(5, 4096)]
    [InlineData(5, 1L << 30)]
    public void Chunked_search_equals_exhaustive_distances(int k, long budgetBytes)
    {
        manual_seed(1);
        using var bank = randn(700, 24);
        using var queries = randn(130, 24);
        using var search = new NearestNeighbourSearch(bank, budgetBytes);
        var (distances, indices) = search.Search(queries, k);
        using var exact = cdist(queries, bank);
        var (expected, expectedIndex) = exact.topk(k, 1, largest: false);
        Assert.True(distances.allclose(expected, rtol: 1e-4, atol: 1e-4));
        Assert.True(indices.eq(expectedIndex).all().item<bool>());
        distances.Dispose(); indices.Dispose(); expected.Dispose(); expectedIndex.Dispose();
    }

    /// <summary>
    /// Reduced-precision products only nominate candidates; the float32 re-ranking must give the exact neighbours. Data
    /// as PatchCore sees it: queries close to bank vectors relative to their norms, where bf16 products alone mis-rank.
    /// </summary>
    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Reduced_precision_products_re_ranked_give_the_float32_neighbours(ScalarType dtype)
    {
        manual_seed(6);
        using var bank = randn(3000, 384) + 4;                       // large common offset: norms much larger than gaps
        using var queries = bank.narrow(0, 0, 500) + 0.05 * randn(500, 384);
        using var exactSearch = new NearestNeighbourSearch(bank);
        using var reduced = new NearestNeighbourSearch(bank, NearestNeighbourSearch.DefaultBudgetBytes, dtype);
        Assert.Equal(dtype, reduced.ProductType);
        // k = 1: the runners-up of random vectors are near-ties that no format separates; the nearest is well defined.
        var (d32, i32) = exactSearch.Search(queries, 1);
        var (dr, ir) = reduced.Search(queries, 1);
        Assert.True(ir.eq(i32).all().item<bool>(), "re-ranked neighbours must be the float32 ones");
        // The re-ranked distances are computed from differences, so they match |q - b| exactly (the plain float32
        // search expands |q|^2 - 2qb + |b|^2, which with norms near 80 and gaps near 1 is off by about 0.7% here).
        using var direct = (queries - bank.index_select(0, i32.squeeze(1))).norm(1);
        double worst = ((dr.squeeze(1) - direct).abs() / direct).max().item<float>();
        Assert.True(worst < 1e-4, $"re-ranked distances differ from |q - b| by {worst:E2} relative");
        // Without the re-ranking, the products themselves would be off: the bank really is in reduced precision.
        using var productBank = bank.to(dtype);
        using var raw = (queries.to(dtype).matmul(productBank.t())).to(ScalarType.Float32);
        using var exactProducts = queries.matmul(bank.t());
        Assert.True((raw - exactProducts).abs().max().item<float>() > 1e-2f);
        foreach (var t in new[] { d32, i32, dr, ir }) t.Dispose();
    }

    [Fact]
    public void A_query_equal_to_a_bank_vector_has_distance_zero()
    {
        using var bank = tensor(new float[] { 0, 0, 3, 4, 1, 1 }, [3, 2]);
        using var search = new NearestNeighbourSearch(bank);
        using var query = tensor(new float[] { 3, 4, 0, 1 }, [2, 2]);
        var (d, i) = search.Search(query, 2);
        Assert.Equal(new float[] { 0, (float)Math.Sqrt(13), 1, 1 }, d.data<float>().ToArray(), new FloatTolerance(1e-3f));
        Assert.Equal(1L, i[0, 0].item<long>());
    }

    [Fact]
    public void k_larger_than_bank_is_refused()
    {
        using var bank = zeros(3, 2);
        using var search = new NearestNeighbourSearch(bank);
        using var q = zeros(1, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => search.Search(q, 4));
    }
}

internal sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
{
    public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
    public int GetHashCode(float obj) => 0;
}

public class MappedBankSearchTests
{
    [Fact]
    public void A_bank_mapped_from_a_file_gives_the_same_neighbours_as_one_in_memory()
    {
        using var folder = new TempFolder();
        string path = folder.File("bank.f32");
        manual_seed(8);
        using var bank = randn(5000, 32);
        File.WriteAllBytes(path, System.Runtime.InteropServices.MemoryMarshal.AsBytes(bank.data<float>().ToArray().AsSpan()).ToArray());
        using var queries = randn(300, 32);
        using var inMemory = new NearestNeighbourSearch(bank, budgetBytes: 1 << 16);
        using var mapped = NearestNeighbourSearch.FromFile(path, 5000, 32, budgetBytes: 1 << 16);
        var (d1, i1) = inMemory.Search(queries, 3);
        var (d2, i2) = mapped.Search(queries, 3);
        Assert.True(i1.eq(i2).all().item<bool>());
        Assert.True(d1.allclose(d2));
    }

    [Fact]
    public void A_bank_file_of_the_wrong_length_is_refused()
    {
        using var folder = new TempFolder();
        string path = folder.File("bank.f32");
        File.WriteAllBytes(path, new byte[100]);
        Assert.Contains("100 bytes", Assert.Throws<InvalidDataException>(() => NearestNeighbourSearch.FromFile(path, 10, 4)).Message);
    }
}
