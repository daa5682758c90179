using Inspection.Engine.Imaging;
using static TorchSharp.torch;

namespace Inspection.Engine.PatchCore;

/// <summary>Training features from a backbone in this process.</summary>
public sealed class LocalPatchSource(PatchExtractor extractor) : ITrainingPatchSource
{
    public IEnumerable<Tensor> Batches(IReadOnlyList<string> images, int batchSize)
    {
        for (int start = 0; start < images.Count; start += batchSize)
            yield return extractor.Extract(PreparedImage.FromFiles(images.Skip(start).Take(batchSize).ToList(), extractor.ImageSize));
    }
}
