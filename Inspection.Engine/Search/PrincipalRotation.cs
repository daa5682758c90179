using static TorchSharp.torch;
using Inspection.Engine.Native;
using Inspection.Engine.Sampling;

namespace Inspection.Engine.Search;

/// <summary>
/// Rotates points onto their principal axes, largest variance first. A rotation keeps every distance, so a k-center
/// selection on the rotated points is the selection on the originals; what it buys is that the first coordinates carry
/// most of each distance, so a partial sum over them is a tight lower bound (see <see cref="PartialDistanceKCenterGreedy"/>).
/// </summary>
public static class PrincipalRotation
{
    /// <summary>Covariance from at most this many evenly spaced points: the axes only decide an order of dimensions.</summary>
    private const long SampleSize = 100_000;

    /// <param name="points">[N, d].</param>
    /// <returns>[N, d] float32 on the same device, coordinate 0 along the axis of largest variance.</returns>
    public static Tensor Rotate(Tensor points)
    {
        using var scope = NewDisposeScope();
        var (rotation, _) = Axes(points);
        return points.to(ScalarType.Float32).matmul(rotation).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The rotation [d, d] (float32, columns are the principal axes, largest variance first; points times it are rotated
    /// points) and the variance along each axis in that order (float64, length d), for callers that rotate later points
    /// the same way.
    /// </summary>
    public static (Tensor Rotation, double[] Variances) Axes(Tensor points)
    {
        using var scope = NewDisposeScope();
        var x = points.to(ScalarType.Float32);
        long n = x.shape[0];
        var sample = x.slice(0, 0, n, Math.Max(1, n / SampleSize)).to(ScalarType.Float64);
        var centered = sample - sample.mean([0], keepdim: true);
        var (values, axes) = linalg.eigh(centered.t().matmul(centered) / sample.shape[0]); // eigenvalues ascending
        var variances = HostArrays.ToArray<double>(values.flip(0).clamp_min(0));
        return (axes.flip(1).to(ScalarType.Float32).MoveToOuterDisposeScope(), variances);
    }

    /// <summary>
    /// Share of the total variance on the first <paramref name="count"/> axes (variances as <see cref="Axes"/> returns
    /// them); 0 when there is no variance at all. It tells whether a bound over those coordinates will prune.
    /// </summary>
    public static double LeadingShare(double[] variances, int count)
    {
        double total = variances.Sum();
        return total > 0 ? variances.Take(count).Sum() / total : 0;
    }
}
