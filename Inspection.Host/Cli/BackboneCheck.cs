using Inspection.Engine.Backbones;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Inspection.Host.Cli;

/// <summary>
/// The bench's check of the inference network on its device: features of the folded (and, where it suits,
/// channels-last) backbone against the module-by-module one on the same images. Tests cover the CPU; this shows a GPU's
/// kernels agree too.
/// </summary>
internal static class BackboneCheck
{
    /// <param name="MaxDifference">Largest absolute difference over every returned layer.</param>
    /// <param name="LargestFeature">Largest absolute module-by-module feature, the scale to read the difference against.</param>
    public sealed record Result(double MaxDifference, double LargestFeature);

    public static Result Run(PatchCoreSettings settings, Device device, IReadOnlyList<PreparedImage> images, ILogger logger)
    {
        using var backbone = BackboneFactory.Create(settings.Backbone, settings.Layers, device, settings.BackboneWeights, logger, settings.Precision);
        using var scope = NewDisposeScope();
        var batch = ImageTensorConverter.ToBatch(images.Select(i => i.Pixels).ToList(), settings.ImageSize.Width, settings.ImageSize.Height, device);
        var folded = backbone.Extract(batch);
        var reference = backbone.ExtractModuleByModule(batch);
        double difference = 0, largest = 0;
        for (int i = 0; i < folded.Length; i++)
        {
            var expected = reference[i].to(ScalarType.Float32);
            difference = Math.Max(difference, (folded[i].to(ScalarType.Float32) - expected).abs().max().cpu().item<float>());
            largest = Math.Max(largest, expected.abs().max().cpu().item<float>());
        }
        return new Result(difference, largest);
    }
}
