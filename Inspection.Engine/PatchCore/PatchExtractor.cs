using Inspection.Engine.Backbones;
using Inspection.Engine.Imaging;
using static TorchSharp.torch;

namespace Inspection.Engine.PatchCore;

/// <summary>Backbone plus PatchCore embedding: prepared images in, [B, P, D] patch features out (on the device).</summary>
public sealed class PatchExtractor(ResNetBackbone backbone, Extent imageSize) : IDisposable
{
    public ResNetBackbone Backbone => backbone;
    public Extent ImageSize => imageSize;

    public Tensor Extract(IReadOnlyList<PreparedImage> images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var batch = ImageTensorConverter.ToBatch(images.Select(i => i.Pixels).ToList(), imageSize.Width, imageSize.Height, backbone.Device);
        var embedding = FeatureEmbedder.Embed(backbone.Extract(batch));
        long b = embedding.shape[0], patches = embedding.shape[2] * embedding.shape[3];
        return FeatureEmbedder.ToPatches(embedding).reshape(b, patches, -1).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public void Dispose() => backbone.Dispose();
}
