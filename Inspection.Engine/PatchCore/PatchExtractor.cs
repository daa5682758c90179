using Inspection.Engine.Backbones;
using Inspection.Engine.Imaging;
using static TorchSharp.torch;

namespace Inspection.Engine.PatchCore;

/// <summary>Backbone plus PatchCore embedding: prepared images in, [B, P, D] patch features out (on the device).</summary>
public sealed class PatchExtractor(ResNetBackbone backbone, int imageSize) : IDisposable
{
    public ResNetBackbone Backbone => backbone;
    public int ImageSize => imageSize;

    public Tensor Extract(IReadOnlyList<PreparedImage> images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var batch = ImageTensorConverter.ToBatch(images.Select(i => i.Pixels).ToList(), imageSize, imageSize, backbone.Device);
        var embedding = FeatureEmbedder.Embed(backbone.Extract(batch));
        long b = embedding.shape[0], grid = embedding.shape[2];
        return FeatureEmbedder.ToPatches(embedding).reshape(b, grid * grid, -1).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public void Dispose() => backbone.Dispose();
}
