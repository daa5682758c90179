using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;
using Inspection.Engine.Sampling;
using Inspection.Engine.Search;

namespace Inspection.Engine.Tests.Sampling;

public class CoresetSamplerTests
{
    /// <summary>
    /// The pruned search computes exact float distances; the loop uses |x|^2 - 2xy + |y|^2 in multithreaded matrix
    /// products whose rounding can vary with load. Two nearly equal candidates may then come in the other order (seen:
    /// two neighbours swapped at position 2042 of 3000), so selections are compared as sets and by the radius they cover.
    /// </summary>
    private static void AssertSameSelection(Tensor points, long[] expected, long[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(actual.Intersect(expected).Count() >= 0.99 * expected.Length, "the selections must nearly coincide");
        double Radius(long[] idx)
        {
            using var chosen = points.index_select(0, tensor(idx));
            using var d = cdist(points, chosen);
            return d.min(1).values.max().item<float>();
        }
        Assert.Equal(Radius(expected), Radius(actual), 4);
    }

    [Fact]
    public void Both_loops_report_rising_progress_ending_at_the_count()
    {
        manual_seed(4);
        using var points = randn(3000, 20);
        // 331 is no multiple of either loop's reporting step, so the last step is reported on its own.
        foreach (var select in new Func<Action<long>, long[]>[]
                 { p => CoresetSampler.Select(points, 331, seed: 1, p), p => CoresetSampler.BruteForce(points, 331, 5, p) })
        {
            var reports = new List<long>();
            select(reports.Add);
            Assert.True(reports.Count >= 2, $"{reports.Count} reports");
            Assert.Equal(reports.Distinct().Order(), reports); // rising, each count once
            Assert.Equal(331, reports[^1]);
        }
    }

    [Fact]
    public void Cpu_selection_equals_the_brute_force_loop_on_clustered_data()
    {
        manual_seed(2);
        // Clustered data, like image patches, in more dimensions than the partial-distance head (32) and not a whole
        // number of vectors beyond it, so the tail and its remainder are both read.
        using var centers = randn(40, 45) * 4;
        using var which = randint(0, 40, [6000]);
        using var points = centers.index_select(0, which) + randn(6000, 45);
        var cpu = CoresetSampler.Select(points, 400, seed: 9);
        var brute = CoresetSampler.BruteForce(points, 400, new Random(9).NextInt64(6000));
        AssertSameSelection(points, brute, cpu);
    }

    [Theory]
    [InlineData(0.0)] // float32 head bound, completed from the tails
    [InlineData(1.0)] // byte-coded head bound, rows summed whole
    public void Either_head_bound_selects_what_the_brute_force_loop_selects(double headVarianceShare)
    {
        manual_seed(21);
        // Clustered, 45 dimensions (a tail of 13: whole vectors and a remainder), enough points for two workers.
        using var centers = randn(60, 45) * 3;
        using var which = randint(0, 60, [70_001]);
        using var points = PrincipalRotation.Rotate(centers.index_select(0, which) + randn(70_001, 45));
        var greedy = new PartialDistanceKCenterGreedy(points.data<float>().ToArray(), 45, headVarianceShare);
        Assert.Equal(headVarianceShare >= PartialDistanceKCenterGreedy.MinCodedVarianceShare, greedy.Coded);
        var selected = greedy.Select(300, 17, null);
        AssertSameSelection(points, CoresetSampler.BruteForce(points, 300, 17), selected);
        Assert.Equal(300, selected.Distinct().Count());
    }

    [Fact]
    public void Parallel_scans_select_what_the_brute_force_loop_selects()
    {
        manual_seed(12);
        // Enough points that the scan is split over workers (4096 vectors each), on data without cluster structure.
        using var points = randn(70_001, 48) * randn(48).abs();
        var cpu = CoresetSampler.Select(points, 300, seed: 4);
        var brute = CoresetSampler.BruteForce(points, 300, new Random(4).NextInt64(70_001));
        AssertSameSelection(points, brute, cpu);
        Assert.Equal(cpu, CoresetSampler.Select(points, 300, seed: 4)); // repeatable, whatever the thread timing
    }

    [Fact]
    public void Principal_rotation_keeps_distances_and_puts_the_largest_variance_first()
    {
        manual_seed(5);
        using var scales = tensor(new float[] { 0.5f, 3, 1, 7, 0.1f, 2 });
        using var points = randn(5000, 6) * scales;
        using var rotated = PrincipalRotation.Rotate(points);
        // Pairs (i, i + 2500), by direct differences (cdist's matrix-product form would add its own rounding).
        using var before = (points.narrow(0, 0, 2500) - points.narrow(0, 2500, 2500)).norm(1);
        using var after = (rotated.narrow(0, 0, 2500) - rotated.narrow(0, 2500, 2500)).norm(1);
        Assert.True(((before - after).abs() / before).max().item<float>() < 1e-4f);
        var variance = rotated.var(0).data<float>().ToArray();
        for (int k = 1; k < variance.Length; k++) Assert.True(variance[k - 1] >= variance[k], $"variance of axis {k - 1} below axis {k}");
        Assert.InRange(variance[0], 40, 58); // the axis scaled by 7: variance 49
    }

    [Fact]
    public void Selection_is_deterministic_per_seed_and_unique()
    {
        manual_seed(3);
        using var points = randn(3000, 16);
        var a = CoresetSampler.Select(points, 200, seed: 1);
        var b = CoresetSampler.Select(points, 200, seed: 1);
        var c = CoresetSampler.Select(points, 200, seed: 2);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(200, a.Distinct().Count());
    }

    [Fact]
    public void Farthest_point_is_chosen_first()
    {
        // Points on a line at 0, 1, 2, 3, 10. From a start at 10 the farthest is 0, then 3 (3 from 0, 7 from 10);
        // from any other start the farthest is 10.
        using var points = tensor(new float[] { 0, 1, 2, 3, 10 }, [5, 1]);
        for (int seed = 0; seed < 6; seed++)
        {
            long start = new Random(seed).NextInt64(5);
            var selected = CoresetSampler.Select(points, 2, seed);
            if (start == 4) Assert.Equal(new long[] { 0, 3 }, selected);
            else Assert.Equal(4, selected[0]);
        }
    }

    [Fact]
    public void Coreset_covers_the_data_better_than_random_sampling()
    {
        manual_seed(4);
        using var points = randn(4000, 8);
        var selected = CoresetSampler.Select(points, 100, seed: 0);
        double Radius(long[] idx)
        {
            using var chosen = points.index_select(0, tensor(idx));
            using var d = cdist(points, chosen);
            return d.min(1).values.max().item<float>();
        }
        var random = Enumerable.Range(0, 4000).OrderBy(_ => Random.Shared.Next()).Take(100).Select(i => (long)i).ToArray();
        Assert.True(Radius(selected) < Radius(random));
    }

    [Fact]
    public void Size_outside_range_is_refused()
    {
        using var points = randn(10, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => CoresetSampler.Select(points, 11, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => CoresetSampler.Select(points, 0, 0));
    }
}
