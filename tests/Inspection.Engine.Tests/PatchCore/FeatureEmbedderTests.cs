using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.PatchCore;

public class FeatureEmbedderTests
{
    [Fact]
    public void Pools_3x3_with_zero_padding_counted_and_upsamples_deeper_layers()
    {
        // Layer A: 1 channel 4x4 of ones; layer B: 1 channel 2x2 of [[1,2],[3,4]].
        using var a = ones(1, 1, 4, 4);
        using var b = tensor(new float[] { 1, 2, 3, 4 }, [1, 1, 2, 2]);
        using var embedding = FeatureEmbedder.Embed([a, b]);
        Assert.Equal([1L, 2, 4, 4], embedding.shape);
        // Corner of A after 3x3 average with zero padding counted: 4 ones of 9 cells.
        Assert.Equal(4f / 9f, embedding[0, 0, 0, 0].item<float>(), 5);
        Assert.Equal(1f, embedding[0, 0, 1, 1].item<float>(), 5);
        // B pooled: every cell sees the 4 values plus zero padding: 10/9. Bilinear upsampling keeps a constant map constant.
        Assert.Equal(10f / 9f, embedding[0, 1, 2, 2].item<float>(), 4);
        using var patches = FeatureEmbedder.ToPatches(embedding);
        Assert.Equal([16L, 2], patches.shape);
        Assert.Equal(embedding[0, 0, 1, 2].item<float>(), patches[6, 0].item<float>());
    }
}
