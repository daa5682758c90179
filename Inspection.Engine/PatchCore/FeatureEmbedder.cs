using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// PatchCore's locally aware patch features (anomalib <c>generate_embedding</c>): each layer is 3x3 average-pooled
/// (stride 1, padding 1, zero padding counted), deeper layers are bilinearly upsampled (align_corners false) to the first
/// layer's grid, and the layers are concatenated along channels.
/// </summary>
public static class FeatureEmbedder
{
    /// <summary>Returns [B, C, h, w] for the feature maps of one batch.</summary>
    public static Tensor Embed(IReadOnlyList<Tensor> layerFeatures)
    {
        using var scope = NewDisposeScope();
        var first = F.avg_pool2d(layerFeatures[0], 3, 1, 1);
        var grid = new[] { first.shape[2], first.shape[3] };
        var parts = new List<Tensor> { first };
        foreach (var deeper in layerFeatures.Skip(1))
        {
            var pooled = F.avg_pool2d(deeper, 3, 1, 1);
            parts.Add(F.interpolate(pooled, size: grid, mode: InterpolationMode.Bilinear, align_corners: false));
        }
        return cat(parts, 1).MoveToOuterDisposeScope();
    }

    /// <summary>[B, C, h, w] to [B*h*w, C], patches of each image in row-major order.</summary>
    public static Tensor ToPatches(Tensor embedding) =>
        embedding.permute(0, 2, 3, 1).reshape(-1, embedding.shape[1]);
}
