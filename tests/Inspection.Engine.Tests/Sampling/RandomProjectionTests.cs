using Inspection.Engine.PatchCore;
using Inspection.Engine.Native;
using Xunit;
using static TorchSharp.torch;
using Inspection.Engine.Sampling;

namespace Inspection.Engine.Tests.Sampling;

/// <summary>The coreset projection is anomalib's: sparse, as many dimensions as the Johnson-Lindenstrauss bound asks.</summary>
public class RandomProjectionTests
{
    [Theory]
    [InlineData(215_040, 303)] // tire: 210 images of 32 x 32 patches (the reference recorded 303 projected dimensions)
    [InlineData(204_800, 301)] // 200 images
    [InlineData(1_000, 170)]
    public void Dimensions_follow_the_johnson_lindenstrauss_bound_at_eps_0_9(long patches, int dimensions)
    {
        Assert.Equal(dimensions, RandomProjection.DimensionsFor(patches));
    }

    [Fact]
    public void The_settings_cap_the_dimensions_at_the_embedding_and_take_an_explicit_choice()
    {
        Assert.Equal(303, new PatchCoreSettings().ProjectionDimensionsFor(215_040, 384));
        Assert.Equal(64, new PatchCoreSettings().ProjectionDimensionsFor(215_040, 64));
        Assert.Equal(128, new PatchCoreSettings { ProjectionDimensions = 128 }.ProjectionDimensionsFor(215_040, 384));
    }

    [Fact]
    public void The_matrix_is_sparse_with_scaled_signs_seeded_and_keeps_distances_on_average()
    {
        const int inputs = 384, outputs = 300;
        using var first = new RandomProjection(inputs, outputs, seed: 4, CPU);
        using var second = new RandomProjection(inputs, outputs, seed: 4, CPU);
        using var other = new RandomProjection(inputs, outputs, seed: 5, CPU);
        using var identity = eye(inputs);
        var matrix = HostArrays.ToArray<float>(first.Apply(identity)); // [inputs, outputs]
        Assert.Equal(matrix, HostArrays.ToArray<float>(second.Apply(identity)));
        Assert.NotEqual(matrix, HostArrays.ToArray<float>(other.Apply(identity)));

        // Entries are 0 or +-sqrt(sqrt(D) / d); about sqrt(D) = 19.6 of D are non-zero per component.
        float scale = MathF.Sqrt(MathF.Sqrt(inputs) / outputs);
        Assert.All(matrix, v => Assert.True(v == 0 || MathF.Abs(MathF.Abs(v) - scale) < 1e-6f, $"entry {v}"));
        double nonZeroPerComponent = matrix.Count(v => v != 0) / (double)outputs;
        Assert.InRange(nonZeroPerComponent, 17, 22.5);
        Assert.InRange(matrix.Count(v => v > 0) / (double)matrix.Count(v => v != 0), 0.45, 0.55);

        manual_seed(3);
        using var points = randn(400, inputs);
        using var projected = first.Apply(points);
        double Ratio(int a, int b) =>
            (projected[b] - projected[a]).square().sum().item<float>() / (points[b] - points[a]).square().sum().item<float>();
        var ratios = Enumerable.Range(0, 200).Select(i => Ratio(2 * i, 2 * i + 1)).ToList();
        Assert.InRange(ratios.Average(), 0.9, 1.1);
    }
}
