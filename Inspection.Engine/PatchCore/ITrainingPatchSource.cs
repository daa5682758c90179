using static TorchSharp.torch;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// Where training patch features come from: the local backbone, or feature extractors elsewhere (a cluster). Yields the
/// [B, P, D] float32 features of consecutive batches of the given images, in order; the trainer disposes each tensor.
/// </summary>
public interface ITrainingPatchSource
{
    IEnumerable<Tensor> Batches(IReadOnlyList<string> images, int batchSize);
}
