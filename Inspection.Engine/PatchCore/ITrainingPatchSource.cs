using static TorchSharp.torch;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// Where training patch features come from: the local backbone, or feature extractors elsewhere (a cluster). Yields the
/// [B, P, D] float32 features of consecutive batches of the given images resized to <c>imageSize</c>, in order; the
/// trainer disposes each tensor. The trainer gives the size, as it may choose it from the images (auto image size).
/// </summary>
public interface ITrainingPatchSource
{
    IEnumerable<Tensor> Batches(IReadOnlyList<string> images, int batchSize, Imaging.Extent imageSize);

    /// <summary>How many items (rows of the first dimension, over all batches) the images give: one each, or their tiles.</summary>
    long Items(IReadOnlyList<string> images, Imaging.Extent imageSize) => images.Count;
}
