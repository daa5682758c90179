using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

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

    /// <summary>anomalib's recipe op by op: nearest upsampling, reflect padding, separable Gaussian convolutions.</summary>
    private static Tensor ByConvolutions(Tensor scores, long height, long width, double sigma)
    {
        int size = 2 * (int)(4.0 * sigma + 0.5) + 1, half = size / 2;
        var weights = Enumerable.Range(0, size).Select(i => Math.Exp(-Math.Pow(i - half, 2) / (2 * sigma * sigma))).ToArray();
        var kernel = weights.Select(w => (float)(w / weights.Sum())).ToArray();
        using var row = tensor(kernel, [1, 1, 1, size]);
        using var column = tensor(kernel, [1, 1, size, 1]);
        using var up = F.interpolate(scores.unsqueeze(1), size: [height, width], mode: InterpolationMode.Nearest);
        using var padded = F.pad(up, [half, half, half, half], TorchSharp.PaddingModes.Reflect);
        using var once = F.conv2d(padded, row);
        return F.conv2d(once, column).squeeze(1);
    }

    [Theory]
    [InlineData(32, 32, 256, 256, 4.0)]   // the usual 256 input, layer2 grid
    [InlineData(28, 28, 224, 224, 4.0)]
    [InlineData(7, 9, 50, 61, 4.0)]       // ratios that are not whole numbers
    [InlineData(16, 16, 64, 64, 1.5)]
    public void Matrix_form_equals_upsampling_then_reflect_padded_convolutions(int h, int w, int height, int width, double sigma)
    {
        using var generator = new AnomalyMapGenerator(sigma, CPU);
        using var scores = rand(new long[] { 3, h, w }, generator: new Generator(7)) * 10;
        using var expected = ByConvolutions(scores, height, width, sigma);
        using var actual = generator.Generate(scores, height, width);
        Assert.Equal(expected.shape, actual.shape);
        double largest = expected.abs().max().item<float>();
        Assert.True((actual - expected).abs().max().item<float>() <= 1e-5 * largest);
    }
}
