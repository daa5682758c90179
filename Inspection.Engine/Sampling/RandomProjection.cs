using static TorchSharp.torch;

namespace Inspection.Engine.Sampling;

/// <summary>
/// The sparse random projection anomalib's coreset sampler uses (<c>SparseRandomProjection(eps=0.9)</c>, after
/// scikit-learn): as many dimensions as the Johnson-Lindenstrauss bound asks for the number of patches (about 300 for a
/// few hundred thousand), each a sum of about sqrt(D) input coordinates with random signs, scaled by
/// sqrt(sqrt(D) / d). Seeded, so a training run, and a later extension of its bank, reproduce the same matrix.
/// </summary>
public sealed class RandomProjection : IDisposable
{
    /// <summary>anomalib's distortion bound for the coreset projection.</summary>
    public const double Epsilon = 0.9;

    private readonly Tensor _matrix; // [D, d]: patches times it are projected patches

    public RandomProjection(long inputDimensions, long outputDimensions, int seed, Device device)
    {
        if (inputDimensions < 1 || outputDimensions < 1) throw new ArgumentOutOfRangeException(nameof(outputDimensions), "Projection dimensions must be positive.");
        var random = new Random(seed);
        int inputs = (int)inputDimensions, outputs = (int)outputDimensions;
        double density = 1 / Math.Sqrt(inputs);
        float scale = (float)(Math.Sqrt(1 / density) / Math.Sqrt(outputs));
        var values = new float[inputs * outputs];
        var columns = Enumerable.Range(0, inputs).ToArray();
        for (int component = 0; component < outputs; component++)
        {
            // Binomial(D, density) non-zeros at distinct random inputs (a partial Fisher-Yates shuffle), each +-scale.
            int nonZero = 0;
            for (int i = 0; i < inputs; i++) if (random.NextDouble() < density) nonZero++;
            for (int i = 0; i < nonZero; i++)
            {
                int pick = i + random.Next(inputs - i);
                (columns[i], columns[pick]) = (columns[pick], columns[i]);
                values[columns[i] * outputs + component] = random.Next(2) == 0 ? -scale : scale;
            }
        }
        using var m = tensor(values, [inputDimensions, outputDimensions]);
        // Owned until Dispose: it must outlive any dispose scope open around its creation (a training batch's).
        _matrix = m.to(device).DetachFromDisposeScope();
    }

    /// <summary>
    /// The Johnson-Lindenstrauss minimum dimension for <paramref name="points"/> points at <see cref="Epsilon"/>,
    /// <c>4 ln N / (eps^2 / 2 - eps^3 / 3)</c> truncated, as scikit-learn computes it: 303 for 215,040 patches.
    /// </summary>
    public static int DimensionsFor(long points)
    {
        if (points < 1) throw new ArgumentOutOfRangeException(nameof(points), "At least one point is needed.");
        double denominator = Epsilon * Epsilon / 2 - Epsilon * Epsilon * Epsilon / 3;
        return Math.Max(1, (int)(4 * Math.Log(points) / denominator));
    }

    public long OutputDimensions => _matrix.shape[1];

    /// <summary>[N, D] to [N, d].</summary>
    public Tensor Apply(Tensor patches) => patches.matmul(_matrix.to(patches.dtype));

    public void Dispose() => _matrix.Dispose();
}
