using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using static TorchSharp.torch;
using Inspection.Engine.Native;

namespace Inspection.Engine.Search;

/// <summary>
/// Exact 1-NN on the CPU that computes full distances for a small part of the bank. Bank and queries are rotated onto
/// the bank's principal axes (<see cref="PrincipalRotation"/>; distances unchanged), where the first
/// <see cref="HeadDimensions"/> coordinates carry most of every distance. One matrix product over those coordinates
/// (an eighth of the full product) gives each query a lower bound of its squared distance to every bank vector. The bank
/// is taken in tiles, and only vectors whose lower bound does not exceed the best distance found so far get a full
/// distance, summed directly with an early exit. A query starts either from the vector with the smallest bound of the
/// first tile or, for three queries in four, from the nearest vector of the query before them in the batch (patches
/// next to each other have close neighbours), so the bound prunes from the first tile on (the shares of the bank that
/// get a full distance: docs/benchmark-history.md, 'Design measurements quoted in code before 2026-12-05').
/// </summary>
/// <remarks>
/// The bound comes from the |x|^2 - 2xy + |y|^2 expansion, whose float rounding is covered by a margin of
/// <see cref="RelativeMargin"/> times the head norms; the full distances are direct sums of squared differences, so the
/// answer is the nearest vector by those sums (ties to the lowest index). Against the matrix-product search the
/// distances agree to float rounding (about 1e-6 relative).
/// </remarks>
internal sealed class PartialDistanceNearestNeighbour : IDisposable
{
    public const int HeadDimensions = 48;
    /// <summary>Below this share of the bank's variance in the head coordinates the bound prunes too little to pay.</summary>
    public const double MinHeadVarianceShare = 0.75;
    private const float RelativeMargin = 1e-5f;
    /// <summary>Bounds computed per tile: at most 4 MB, cache-sized.</summary>
    private const long BlockElements = 1 << 20;
    /// <summary>Bank vectors per tile: their head coordinates (4,096 x 48 floats, 768 KB) stay in cache.</summary>
    private const int TileRows = 4096;
    private static readonly int Lanes = Vector<float>.Count;
    /// <summary>
    /// One query in this many is searched unseeded; the rest start from its answer. On magnetic_tile 4 was as fast as 2
    /// and faster than 8 or no seeding; tire gained less (docs/benchmark-history.md, 'Per-stage throughput and kNN
    /// scaling', "Kept: seeding").
    /// </summary>
    private const int SeedStride = 4;
    /// <summary>
    /// Relative slack of the head-plus-tail test: covers the float rounding of the direct sum it stands in for (a few
    /// units in the last place over 384 terms, about 1e-6), so a vector is never dropped whose direct sum could win.
    /// </summary>
    private const float TailSlack = 1e-5f;

    private readonly Tensor _rotation;   // [D, D]
    private readonly Tensor _headBank;   // [N, H] rotated head coordinates
    private readonly Tensor _headNorms;  // [N] their squared norms
    private readonly float[] _rotated;   // [N, D] rotated bank, row-major, for the direct sums
    private readonly float _maxHeadNorm;
    private readonly int _count, _dims;
    private readonly long _budgetElements;

    private PartialDistanceNearestNeighbour(Tensor rotation, Tensor rotatedBank, long budgetBytes)
    {
        _count = (int)rotatedBank.shape[0];
        _dims = (int)rotatedBank.shape[1];
        _rotation = rotation.DetachFromDisposeScope();
        _headBank = rotatedBank.narrow(1, 0, HeadDimensions).contiguous().DetachFromDisposeScope();
        _headNorms = _headBank.pow(2).sum(1).DetachFromDisposeScope();
        _maxHeadNorm = _headNorms.max().item<float>();
        _rotated = HostArrays.ToArray<float>(rotatedBank);
        _budgetElements = Math.Max(1, budgetBytes / 4);
    }

    /// <summary>
    /// A pruned search of <paramref name="bank"/> ([N, D] float32 on the CPU), or null where it would not pay: too few
    /// dimensions or vectors, a bank beyond one array, or one whose head coordinates carry too little of its variance
    /// (isotropic data such as random benchmark banks).
    /// </summary>
    public static PartialDistanceNearestNeighbour? TryCreate(Tensor bank, long budgetBytes)
    {
        if (bank.device_type != TorchSharp.DeviceType.CPU || bank.dtype != ScalarType.Float32 || bank.dim() != 2) return null;
        long n = bank.shape[0], d = bank.shape[1];
        if (n < 1024 || d <= 2 * HeadDimensions || n * d > Array.MaxLength) return null;
        using var scope = NewDisposeScope();
        var (rotation, variances) = PrincipalRotation.Axes(bank);
        if (PrincipalRotation.LeadingShare(variances, HeadDimensions) < MinHeadVarianceShare) return null;
        var rotated = bank.matmul(rotation).contiguous();
        return new PartialDistanceNearestNeighbour(rotation, rotated, budgetBytes);
    }

    /// <summary>Distances [M, 1] and bank indices [M, 1] of each query's nearest bank vector.</summary>
    public (Tensor Distances, Tensor Indices) Search(Tensor queries)
    {
        int m = (int)queries.shape[0];
        if (m == 0) return (empty([0, 1]), empty([0, 1], dtype: ScalarType.Int64));
        var best = new float[m];
        var bestIndex = new int[m];
        Array.Fill(best, float.PositiveInfinity);
        using (var scope = NewDisposeScope())
        {
            var rotatedQueries = queries.to(ScalarType.Float32).matmul(_rotation).contiguous();
            // A pooled copy: a fresh array per search (megabytes for a batch of images) was large-object-heap churn.
            var rotated = ArrayPool<float>.Shared.Rent(m * _dims);
            MemoryMarshal.Cast<byte, float>(rotatedQueries.bytes).CopyTo(rotated);
            try
            {
                var headNorms = HostArrays.ToArray<float>(rotatedQueries.narrow(1, 0, HeadDimensions).pow(2).sum(1));
                // Every SeedStride-th query is searched first; each of the others then starts from the full distance to its
                // anchor's nearest vector (neighbouring patches have close neighbours), which prunes from the first tile on.
                var anchors = Enumerable.Range(0, m).Where(q => q % SeedStride == 0).ToArray();
                Improve(rotatedQueries, rotated, headNorms, anchors, best, bestIndex);
                var others = Enumerable.Range(0, m).Where(q => q % SeedStride != 0).ToArray();
                if (others.Length > 0)
                {
                    Parallel.For(0, others.Length, i =>
                    {
                        int q = others[i], seed = bestIndex[q - q % SeedStride];
                        best[q] = Squared(rotated.AsSpan(q * _dims, _dims), seed, float.PositiveInfinity);
                        bestIndex[q] = seed;
                    });
                    Improve(rotatedQueries, rotated, headNorms, others, best, bestIndex);
                }
            }
            finally { ArrayPool<float>.Shared.Return(rotated); }
        }
        var distances = tensor(best, [m, 1]).sqrt_();
        return (distances, tensor(bestIndex.Select(i => (long)i).ToArray(), [m, 1]));
    }

    /// <summary>Improves the nearest vectors of the queries listed in <paramref name="order"/>, tile by tile.</summary>
    private void Improve(Tensor rotatedQueries, float[] rotated, float[] headNorms, int[] order, float[] best, int[] bestIndex)
    {
        using var scope = NewDisposeScope();
        var heads = rotatedQueries.index_select(0, tensor(order.Select(q => (long)q).ToArray())).narrow(1, 0, HeadDimensions).contiguous();
        int m = order.Length;
        // Bounds are computed a tile at a time (a block of queries against a block of the bank), so the tile and the
        // bank's head coordinates stay in cache between the product that writes the bounds and the scans that read
        // them; one product of a few queries against the whole bank re-read the bank from memory for every block.
        int queryBlock = (int)Math.Clamp(Math.Min(_budgetElements, BlockElements) / Math.Min(_count, TileRows), 1, m);
        for (int q0 = 0; q0 < m; q0 += queryBlock)
        {
            int rows = Math.Min(queryBlock, m - q0);
            using var blockScope = NewDisposeScope();
            var head = heads.narrow(0, q0, rows);
            for (int t0 = 0; t0 < _count; t0 += TileRows)
            {
                using var tileScope = NewDisposeScope();
                int length = Math.Min(TileRows, _count - t0);
                var bounds = addmm(_headNorms.narrow(0, t0, length).unsqueeze(0), head, _headBank.narrow(0, t0, length).t(), beta: 1, alpha: -2)
                    .contiguous(); // |y|^2 - 2xy over the head coordinates
                int offset = t0;
                Parallel.For(0, rows, i =>
                {
                    var row = MemoryMarshal.Cast<byte, float>(bounds.bytes).Slice(i * length, length);
                    int q = order[q0 + i];
                    Update(rotated.AsSpan(q * _dims, _dims), headNorms[q], row, offset, ref best[q], ref bestIndex[q]);
                });
            }
        }
    }

    /// <summary>Improves one query's nearest vector with one tile of the bank.</summary>
    /// <param name="query">Rotated query.</param>
    /// <param name="headNorm">Squared norm of its head coordinates (the bound row omits it).</param>
    /// <param name="bounds">|y|^2 - 2xy over the head coordinates, for the tile's bank vectors.</param>
    /// <param name="offset">Bank index of the tile's first vector.</param>
    private void Update(ReadOnlySpan<float> query, float headNorm, ReadOnlySpan<float> bounds, int offset, ref float best, ref int bestIndex)
    {
        float margin = RelativeMargin * (headNorm + _maxHeadNorm);
        // Without a best so far, the tile's smallest bound first: if even it cannot beat the best so far, the whole tile
        // is passed over; otherwise its vector is the likeliest to improve the best, which then prunes the rest of the
        // tile. With a best (a seed or an earlier tile) the extra pass over the bounds costs more than it saves.
        int candidate = -1;
        if (float.IsPositiveInfinity(best))
        {
            candidate = ArgMin(bounds);
            if (!Consider(query, headNorm, margin, bounds[candidate], offset + candidate, -1, ref best, ref bestIndex)
                && bounds[candidate] > best - headNorm + margin)
                return;
        }
        int skip = candidate < 0 ? -1 : offset + candidate; // already considered
        // A whole vector of bounds is passed over unless one of them may beat the best so far (most are).
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(bounds);
        var limit = new Vector<float>(best - headNorm + margin);
        for (int v = 0; v < vectors.Length; v++)
        {
            if (!Vector.LessThanOrEqualAny(vectors[v], limit)) continue;
            for (int j = v * Lanes; j < (v + 1) * Lanes; j++)
                if (Consider(query, headNorm, margin, bounds[j], offset + j, skip, ref best, ref bestIndex))
                    limit = new Vector<float>(best - headNorm + margin);
        }
        for (int j = vectors.Length * Lanes; j < bounds.Length; j++)
            Consider(query, headNorm, margin, bounds[j], offset + j, skip, ref best, ref bestIndex);
    }

    /// <summary>
    /// Full distance to bank vector <paramref name="j"/> unless its bound rules it out or it is <paramref name="skip"/>
    /// (already considered); true when it became the best.
    /// </summary>
    private bool Consider(ReadOnlySpan<float> query, float headNorm, float margin, float bound, int j, int skip, ref float best, ref int bestIndex)
    {
        if (j == skip || bound > best - headNorm + margin) return false;
        if (TailExceeds(query, j, bound + headNorm - margin, best * (1 + TailSlack))) return false;
        float d = Squared(query, j, best);
        if (d > best || (d == best && j > bestIndex)) return false;
        best = d;
        bestIndex = j;
        return true;
    }

    /// <summary>Index of the first smallest value, vectorised with four independent minima (much faster than libtorch's
    /// argmin over the bound rows or a scalar scan; docs/benchmark-history.md, 'Design measurements quoted in code
    /// before 2026-12-05').</summary>
    private static int ArgMin(ReadOnlySpan<float> values)
    {
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        var infinity = new Vector<float>(float.PositiveInfinity);
        Vector<float> m0 = infinity, m1 = infinity, m2 = infinity, m3 = infinity;
        int v = 0;
        for (; v + 4 <= vectors.Length; v += 4)
        {
            m0 = Vector.Min(m0, vectors[v]);
            m1 = Vector.Min(m1, vectors[v + 1]);
            m2 = Vector.Min(m2, vectors[v + 2]);
            m3 = Vector.Min(m3, vectors[v + 3]);
        }
        for (; v < vectors.Length; v++) m0 = Vector.Min(m0, vectors[v]);
        m0 = Vector.Min(Vector.Min(m0, m1), Vector.Min(m2, m3));
        float min = float.PositiveInfinity;
        for (int l = 0; l < Lanes; l++) min = Math.Min(min, m0[l]);
        int whole = vectors.Length * Lanes;
        for (int j = whole; j < values.Length; j++) min = Math.Min(min, values[j]);
        var target = new Vector<float>(min);
        for (v = 0; v < vectors.Length; v++)
            if (Vector.EqualsAny(vectors[v], target))
                for (int j = v * Lanes; j < whole; j++)
                    if (values[j] == min) return j;
        for (int j = whole; j < values.Length; j++)
            if (values[j] == min) return j;
        return 0; // only if every value is NaN
    }

    /// <summary>
    /// True when the head's lower bound <paramref name="headLow"/> plus a partial direct sum over the tail coordinates
    /// exceeds <paramref name="stopAbove"/>, so the vector cannot be the nearest. Most candidates the bound lets through
    /// are ruled out here after a few stretches of the tail; the direct sum from coordinate 0, which would first repeat the
    /// head the product already bounds, is left for the few that remain. Faster on magnetic_tile than the direct sum
    /// alone (docs/benchmark-history.md, 'Per-stage throughput and kNN scaling', "Head plus tail before the direct
    /// sum").
    /// </summary>
    private bool TailExceeds(ReadOnlySpan<float> query, int index, float headLow, float stopAbove)
    {
        float limit = stopAbove - headLow;
        var q = MemoryMarshal.Cast<float, Vector<float>>(query.Slice(HeadDimensions));
        var y = MemoryMarshal.Cast<float, Vector<float>>(_rotated.AsSpan(index * _dims + HeadDimensions, _dims - HeadDimensions));
        var sum = Vector<float>.Zero;
        for (int v = 0; v + 4 <= q.Length; v += 4)
        {
            var d0 = q[v] - y[v];
            var d1 = q[v + 1] - y[v + 1];
            var d2 = q[v + 2] - y[v + 2];
            var d3 = q[v + 3] - y[v + 3];
            sum += d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3;
            if (Vector.Sum(sum) > limit) return true;
        }
        return false;
    }

    /// <summary>Direct squared distance to bank vector <paramref name="index"/>; stops early once above <paramref name="stopAbove"/>.</summary>
    private float Squared(ReadOnlySpan<float> query, int index, float stopAbove)
    {
        var row = _rotated.AsSpan(index * _dims, _dims);
        var q = MemoryMarshal.Cast<float, Vector<float>>(query);
        var y = MemoryMarshal.Cast<float, Vector<float>>(row);
        var sum = Vector<float>.Zero;
        int v = 0;
        // Coordinates come largest-variance first, so the sum grows fastest at the start: check after each stretch.
        // (A partial sum of squares never exceeds the full one in float either, so stopping is exact.)
        for (; v + 4 <= q.Length; v += 4)
        {
            var d0 = q[v] - y[v];
            var d1 = q[v + 1] - y[v + 1];
            var d2 = q[v + 2] - y[v + 2];
            var d3 = q[v + 3] - y[v + 3];
            sum += d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3;
            if (Vector.Sum(sum) > stopAbove) return float.PositiveInfinity;
        }
        for (; v < q.Length; v++)
        {
            var d = q[v] - y[v];
            sum += d * d;
        }
        float total = Vector.Sum(sum);
        for (int k = q.Length * Lanes; k < _dims; k++)
        {
            float diff = query[k] - row[k];
            total += diff * diff;
        }
        return total;
    }

    public void Dispose()
    {
        _rotation.Dispose();
        _headBank.Dispose();
        _headNorms.Dispose();
    }
}
