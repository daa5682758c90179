using static TorchSharp.torch;
using Inspection.Engine.Native;
using Inspection.Engine.Search;

namespace Inspection.Engine.Sampling;

/// <summary>
/// Greedy k-center coreset selection (PatchCore, anomalib <c>KCenterGreedy</c>): start from a seeded random patch, then
/// repeatedly take the patch farthest from everything selected so far. Works on a random projection of the patches
/// (see <see cref="RandomProjection"/>), on whatever device the projection lives. The loop never reads a value back to
/// the host, so on a GPU it runs without synchronising; squared distances are used (same argmax, no square root). On the
/// CPU the same selection runs as <see cref="PartialDistanceKCenterGreedy"/>, which skips most of the reading.
/// </summary>
public static class CoresetSampler
{
    /// <param name="projected">[N, d] projected patches.</param>
    /// <param name="count">How many patches to select (1..N).</param>
    /// <param name="progress">Called now and then with the number selected so far.</param>
    /// <param name="coveredSquaredDistances">[N] each point's squared distance to centers selected before (a bank being
    /// extended, <see cref="MemoryBankExtension"/>): the selection continues from them instead of a random start.</param>
    /// <returns>Indices into <paramref name="projected"/>, in selection order.</returns>
    public static long[] Select(Tensor projected, long count, int seed, Action<long>? progress = null, Tensor? coveredSquaredDistances = null)
    {
        long n = projected.shape[0];
        if (count < 1 || count > n) throw new ArgumentOutOfRangeException(nameof(count), $"Coreset size {count} is outside 1..{n}.");
        if (coveredSquaredDistances is not null && coveredSquaredDistances.numel() != n)
            throw new ArgumentException($"{coveredSquaredDistances.numel()} covered distances for {n} points.", nameof(coveredSquaredDistances));
        var device = projected.device;
        long start = coveredSquaredDistances is null ? new Random(seed).NextInt64(n) : -1;
        if (device.type == TorchSharp.DeviceType.CPU && n * projected.shape[1] <= Array.MaxLength)
        {
            // On the CPU memory bandwidth bounds the loop; on principal axes most points are dismissed by a partial sum.
            float[] points;
            double headShare;
            using (var scope = NewDisposeScope())
            {
                var (rotation, variances) = PrincipalRotation.Axes(projected);
                points = HostArrays.ToArray<float>(projected.to(ScalarType.Float32).matmul(rotation));
                headShare = PrincipalRotation.LeadingShare(variances, PartialDistanceKCenterGreedy.HeadDimensions);
            }
            var greedy = new PartialDistanceKCenterGreedy(points, (int)projected.shape[1], headShare);
            if (coveredSquaredDistances is not null) greedy.SeedDistances(HostArrays.ToArray<float>(coveredSquaredDistances.to(ScalarType.Float32).flatten()));
            return greedy.Select(count, (int)start, progress);
        }
        return BruteForce(projected, count, start, progress, coveredSquaredDistances);
    }

    /// <summary>
    /// The plain loop: one pass over all points per selection. Used on accelerators, and as the reference. Each step is
    /// one matrix-vector product and four small kernels, none of which reads back to the host: the points are stored
    /// augmented as <c>a_i = [p_i, |p_i|^2, 1]</c> and <c>b_j = [-2 p_j, 1, |p_j|^2]</c>, so that <c>a_i . b_j</c> is the
    /// squared distance and a step needs no separate norm terms (fewer kernels: faster per step than the five-term form
    /// where dispatch dominates; docs/benchmark-history.md, 'Per-stage throughput and kNN scaling', the GPU notes).
    /// </summary>
    /// <param name="start">The random start (it only seeds the distances); negative with <paramref name="coveredSquaredDistances"/>.</param>
    public static long[] BruteForce(Tensor projected, long count, long start, Action<long>? progress = null, Tensor? coveredSquaredDistances = null)
    {
        long n = projected.shape[0];
        var device = projected.device;
        using var outer = NewDisposeScope();
        var norms = projected.pow(2).sum(1, keepdim: true);
        var ones = ones_like(norms);
        var a = cat([projected, norms, ones], 1);
        var b = cat([projected * -2, ones, norms], 1);
        var minDistances = coveredSquaredDistances is null
            ? full(n, float.PositiveInfinity, dtype: projected.dtype, device: device)
            : coveredSquaredDistances.flatten().to(projected.dtype, device).clone();
        var selected = empty(count, dtype: ScalarType.Int64, device: device);
        Tensor current;
        long first = 0;
        if (coveredSquaredDistances is null)
        {
            current = tensor(new long[] { start }, device: device);
        }
        else
        {
            // The first new center is the point farthest from the old ones (argmax takes the lowest index of ties).
            current = selected.narrow(0, 0, 1);
            current.copy_(minDistances.argmax().unsqueeze(0));
            minDistances.index_fill_(0, current, 0);
            first = 1;
        }
        long reportEvery = Math.Max(1, count / 100);

        for (long i = first; i < count; i++)
        {
            // A view of the output slot: the argmax is written there and is the next step's center, without a copy.
            var next = selected.narrow(0, i, 1);
            using (NewDisposeScope())
            {
                var distances = a.mv(b.index_select(0, current).squeeze(0));
                minDistances.clamp_(null, distances);
                next.copy_(minDistances.argmax().unsqueeze(0));
                minDistances.index_fill_(0, next, 0);
            }
            current.Dispose();
            current = next;
            if (progress != null && (i + 1) % reportEvery == 0) progress(i + 1);
        }
        if (count % reportEvery != 0) progress?.Invoke(count); // the last step, which the reports above skipped
        return HostArrays.ToArray<long>(selected);
    }
}
