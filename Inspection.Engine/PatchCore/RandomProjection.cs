using static TorchSharp.torch;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// Dense Gaussian random projection to a few dimensions, as the PatchCore authors' approximate greedy coreset uses
/// (128 dimensions by default). Seeded, so a training run is reproducible.
/// </summary>
public sealed class RandomProjection : IDisposable
{
    private readonly Tensor _matrix;

    public RandomProjection(long inputDimensions, long outputDimensions, int seed, Device device)
    {
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        using var m = randn([inputDimensions, outputDimensions], generator: generator) / Math.Sqrt(outputDimensions);
        _matrix = m.to(device);
    }

    public long OutputDimensions => _matrix.shape[1];

    /// <summary>[N, D] to [N, d].</summary>
    public Tensor Apply(Tensor patches) => patches.matmul(_matrix.to(patches.dtype));

    public void Dispose() => _matrix.Dispose();
}
