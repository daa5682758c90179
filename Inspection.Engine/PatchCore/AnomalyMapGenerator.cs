using static TorchSharp.torch;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// Turns a grid of patch scores into a pixel anomaly map (anomalib <c>AnomalyMapGenerator</c>): nearest-neighbour
/// upsampling to the input size, then a Gaussian blur (sigma 4, kernel 2*int(4*sigma+0.5)+1, reflect padding).
/// </summary>
/// <remarks>
/// Upsampling, reflect padding and each 1-D pass of the separable blur are linear maps along one axis, so together they
/// are one [H x h] matrix for the rows and one [W x w] for the columns: map = R * scores * C^T, two small matrix
/// products per batch: much faster on the CPU than single-channel convolutions, for which oneDNN has no fast path
/// (docs/benchmark-history.md, 'Where the pipeline's time goes (per stage)'). The results agree with the convolutions
/// to float rounding (tested).
/// </remarks>
public sealed class AnomalyMapGenerator : IDisposable
{
    private readonly double[] _weights;
    private readonly int _half;
    private readonly Device _device;
    private readonly Dictionary<(long From, long To), Tensor> _operators = new();
    private readonly object _gate = new();

    public AnomalyMapGenerator(double sigma, Device device)
    {
        int size = 2 * (int)(4.0 * sigma + 0.5) + 1;
        _half = size / 2;
        _device = device;
        _weights = new double[size];
        double total = 0;
        for (int i = 0; i < size; i++)
        {
            double x = i - size / 2;
            _weights[i] = (float)Math.Exp(-(x * x) / (2 * sigma * sigma));
            total += _weights[i];
        }
        for (int i = 0; i < size; i++) _weights[i] = (float)(_weights[i] / total);
    }

    /// <summary>[B, h, w] patch scores to [B, H, W] maps.</summary>
    public Tensor Generate(Tensor patchScores, long height, long width)
    {
        using var scope = NewDisposeScope();
        var rows = Operator(patchScores.shape[1], height).to(patchScores.dtype, patchScores.device);    // [H, h]
        var columns = Operator(patchScores.shape[2], width).to(patchScores.dtype, patchScores.device);  // [W, w]
        return rows.matmul(patchScores).matmul(columns.t()).MoveToOuterDisposeScope();
    }

    /// <summary>Upsampling from <paramref name="from"/> to <paramref name="to"/> samples followed by the blur, as a [to x from] matrix (cached).</summary>
    private Tensor Operator(long from, long to)
    {
        lock (_gate)
        {
            if (_operators.TryGetValue((from, to), out var cached)) return cached;
            var matrix = new double[to * from];
            // PyTorch's nearest mode: source index floor(i * (from / to)), the scale in float32, clamped.
            float scale = (float)from / to;
            for (long i = 0; i < to; i++)
                for (int k = 0; k < _weights.Length; k++)
                {
                    long j = Reflect(i + k - _half, to);
                    long source = Math.Min((long)MathF.Floor(j * scale), from - 1);
                    matrix[i * from + source] += _weights[k];
                }
            var result = tensor(matrix.Select(v => (float)v).ToArray(), [to, from], device: _device).DetachFromDisposeScope();
            _operators[(from, to)] = result;
            return result;
        }
    }

    /// <summary>PyTorch's reflect padding (the edge sample is not repeated), folded again for kernels wider than the map.</summary>
    private static long Reflect(long j, long length)
    {
        if (length == 1) return 0;
        long period = 2 * (length - 1);
        j = ((j % period) + period) % period;
        return j < length ? j : period - j;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var tensor in _operators.Values) tensor.Dispose();
            _operators.Clear();
        }
    }
}
