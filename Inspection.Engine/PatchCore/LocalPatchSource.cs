using Inspection.Engine.Backbones;
using Inspection.Engine.Imaging;
using static TorchSharp.torch;

namespace Inspection.Engine.PatchCore;

/// <summary>Training features from a backbone in this process (borrowed: the trainer's model owns and disposes it).</summary>
public sealed class LocalPatchSource(ResNetBackbone backbone) : ITrainingPatchSource
{
    public IEnumerable<Tensor> Batches(IReadOnlyList<string> images, int batchSize, Extent imageSize)
    {
        // Not disposed: disposing a PatchExtractor disposes its backbone.
        var extractor = new PatchExtractor(backbone, imageSize);
        for (int start = 0; start < images.Count; start += batchSize)
            yield return extractor.Extract(PreparedImage.FromFiles(images.Skip(start).Take(batchSize).ToList(), imageSize));
    }
}
