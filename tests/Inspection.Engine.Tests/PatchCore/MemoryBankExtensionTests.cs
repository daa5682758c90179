using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;
using Inspection.Engine.Sampling;
using Inspection.Engine.Search;

namespace Inspection.Engine.Tests.PatchCore;

/// <summary>
/// Extending a bank continues the greedy coreset: the patches it adds are those the greedy loop would have picked
/// next had it run on everything, and a patch the bank already covers comes after every uncovered one.
/// </summary>
public class MemoryBankExtensionTests
{
    [Theory]
    [InlineData(3_000, 20, 40, false)] // one worker on the CPU path, the bank searched by matrix products
    [InlineData(70_001, 1_100, 120, true)] // several workers, the pruned 1-NN search (a large bank on few principal axes)
    public void Extending_a_greedy_coreset_continues_the_greedy_selection(int points, int taken, int dims, bool pruned)
    {
        manual_seed(12);
        // Clusters spread over a few axes, as patches are; centred and small, so the distances' float rounding stays far
        // below the gaps between the greedy's candidates.
        using var centers = randn(50, 12).matmul(randn(12, dims)) * 0.3;
        using var which = randint(0, 50, [points]);
        using var all = centers.index_select(0, which) + randn(points, dims) * 0.3;
        long start = 123;
        var greedy = CoresetSampler.BruteForce(all, taken + 40, start);
        // The bank: the start (which seeds the distances) and the first selections; the rest of the loop goes on from it.
        var bankIndices = new[] { start }.Concat(greedy.Take(taken)).ToArray();
        using var bank = all.index_select(0, tensor(bankIndices));
        using (var search = new NearestNeighbourSearch(bank)) Assert.Equal(pruned, search.IsPruned);
        var continued = MemoryBankExtension.Select(bank, all, 40);
        Assert.Equal(greedy.Skip(taken).ToArray(), continued);
    }

    [Fact]
    public void Patches_the_bank_already_holds_are_taken_last()
    {
        manual_seed(13);
        using var bank = randn(200, 16);
        using var fresh = randn(30, 16) * 3 + 10; // far from the bank
        using var patches = cat([bank.slice(0, 0, 50, 1), fresh], 0); // 50 patches the bank holds, 30 new ones
        var selected = MemoryBankExtension.Select(bank, patches, 30);
        Assert.All(selected, i => Assert.InRange(i, 50, 79));
        Assert.Equal(30, selected.Distinct().Count());
        Assert.Throws<ArgumentException>(() => MemoryBankExtension.Select(bank, randn(5, 8), 2));
    }

    [Fact]
    public void Extending_a_bank_adds_the_coreset_ratio_of_new_patches_uncovered_ones_first()
    {
        manual_seed(14);
        using var bank = randn(300, 32) * 0.1;
        // 40 new patches the bank covers, and 10 each far away on an axis of its own.
        using var far = eye(32).slice(0, 0, 10, 1) * 10 + randn(10, 32) * 0.1;
        using var patches = cat([randn(40, 32) * 0.1, far], 0);
        var settings = new PatchCoreSettings { CoresetRatio = 0.2, Seed = 3 };
        var (rows, projected) = MemoryBankExtension.Extend(bank, patches, settings);
        using (rows)
        {
            Assert.Equal(new long[] { 10, 32 }, rows.shape); // 20% of 50
            Assert.Equal(settings.ProjectionDimensionsFor(350, 32), projected);
            // Every row is one of the far patches, each once.
            using var distances = cdist(rows, far);
            var nearest = distances.argmin(1).data<long>().ToArray();
            Assert.Equal(10, nearest.Distinct().Count());
            Assert.True(distances.min(1).values.max().item<float>() < 1e-5f);
        }
        Assert.Throws<ArgumentException>(() => MemoryBankExtension.Extend(bank, randn(5, 8), settings));
    }
}
