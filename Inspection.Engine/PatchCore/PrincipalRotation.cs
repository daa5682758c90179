using static TorchSharp.torch;

namespace Inspection.Engine.PatchCore;

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
        var x = points.to(ScalarType.Float32);
        long n = x.shape[0];
        var sample = x.slice(0, 0, n, Math.Max(1, n / SampleSize)).to(ScalarType.Float64);
        var centered = sample - sample.mean([0], keepdim: true);
        var (_, axes) = linalg.eigh(centered.t().matmul(centered)); // eigenvalues ascending
        var rotation = axes.flip(1).to(ScalarType.Float32);
        return x.matmul(rotation).contiguous().MoveToOuterDisposeScope();
    }
}
