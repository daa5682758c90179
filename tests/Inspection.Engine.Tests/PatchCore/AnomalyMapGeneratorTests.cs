using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.PatchCore;

public class AnomalyMapGeneratorTests
{
    [Fact]
    public void Constant_scores_give_a_constant_map_of_the_input_size()
    {
        using var generator = new AnomalyMapGenerator(4, CPU);
        using var scores = full(new long[] { 2, 8, 8 }, 3.5f);
        using var map = generator.Generate(scores, 64, 64);
        Assert.Equal([2L, 64, 64], map.shape);
        Assert.True(map.allclose(full(new long[] { 2, 64, 64 }, 3.5f), atol: 1e-4));
    }

    [Fact]
    public void A_single_hot_patch_peaks_at_its_place_and_spreads_symmetrically()
    {
        using var generator = new AnomalyMapGenerator(4, CPU);
        var values = new float[16 * 16];
        values[8 * 16 + 8] = 1;
        using var scores = tensor(values, [1, 16, 16]);
        using var map = generator.Generate(scores, 64, 64);
        // Patch (8,8) covers pixels 32..35; the blurred peak lies inside it.
        var (max, argmax) = map.flatten().max(0);
        long y = argmax.item<long>() / 64, x = argmax.item<long>() % 64;
        Assert.InRange(y, 32, 35);
        Assert.InRange(x, 32, 35);
        Assert.True(max.item<float>() < 1f, "blur spreads the peak");
        Assert.Equal(map[0, 33, 20].item<float>(), map[0, 20, 33].item<float>(), 5);
        // Blur preserves mass away from the borders: 16 pixels of value 1.
        Assert.Equal(16.0, map.sum().item<float>(), 1);
    }
}
