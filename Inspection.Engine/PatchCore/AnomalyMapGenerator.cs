using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// Turns a grid of patch scores into a pixel anomaly map (anomalib <c>AnomalyMapGenerator</c>): nearest-neighbour
/// upsampling to the input size, then a Gaussian blur (sigma 4, kernel 2*int(4*sigma+0.5)+1, reflect padding),
/// done as two separable 1-D convolutions.
/// </summary>
public sealed class AnomalyMapGenerator : IDisposable
{
    private readonly Tensor _rowKernel;
    private readonly Tensor _columnKernel;
    private readonly int _half;

    public AnomalyMapGenerator(double sigma, Device device)
    {
        int size = 2 * (int)(4.0 * sigma + 0.5) + 1;
        _half = size / 2;
        var weights = new float[size];
        double total = 0;
        for (int i = 0; i < size; i++)
        {
            double x = i - size / 2;
            weights[i] = (float)Math.Exp(-(x * x) / (2 * sigma * sigma));
            total += weights[i];
        }
        for (int i = 0; i < size; i++) weights[i] = (float)(weights[i] / total);
        _rowKernel = tensor(weights, [1, 1, 1, size], device: device);
        _columnKernel = tensor(weights, [1, 1, size, 1], device: device);
    }

    /// <summary>[B, h, w] patch scores to [B, H, W] maps.</summary>
    public Tensor Generate(Tensor patchScores, long height, long width)
    {
        using var scope = NewDisposeScope();
        var up = F.interpolate(patchScores.unsqueeze(1), size: [height, width], mode: InterpolationMode.Nearest);
        var padded = F.pad(up, [_half, _half, _half, _half], TorchSharp.PaddingModes.Reflect);
        var blurred = F.conv2d(F.conv2d(padded, _rowKernel.to(up.dtype)), _columnKernel.to(up.dtype));
        return blurred.squeeze(1).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _rowKernel.Dispose();
        _columnKernel.Dispose();
    }
}
