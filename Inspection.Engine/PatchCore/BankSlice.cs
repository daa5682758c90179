using System.Runtime.InteropServices;
using Inspection.Engine.Native;
using static TorchSharp.torch;
using Inspection.Engine.Search;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// One contiguous slice of a sharded memory bank, resident on a device: global rows <see cref="Offset"/> to
/// <see cref="Offset"/> + <see cref="Rows"/>. Answers the three questions a scorer asks each slice, all in global bank
/// indices: the nearest rows to query patches, given rows' vectors (m* of Eq. 7 lives in one slice), and the support of
/// Eq. 7 (the slice's nearest rows to m* with their distances to the frame's worst patch). Merging the slices' answers
/// is <see cref="ShardedSearchMerge"/>'s; a single-process bank gives the same numbers (<see cref="ImageScoreReweighting"/>).
/// </summary>
public sealed class BankSlice : IDisposable
{
    private readonly Tensor _rows;
    // One search per number format of the products, made on first use (a reduced-precision one holds a converted copy).
    private readonly Dictionary<ScalarType, NearestNeighbourSearch> _searches = new();

    /// <param name="rows">[n, D] float32 rows on the slice's device; the slice takes ownership.</param>
    public BankSlice(Tensor rows, long offset)
    {
        if (rows.dim() != 2 || rows.shape[0] == 0 || rows.dtype != ScalarType.Float32)
            throw new ArgumentException($"A bank slice is a non-empty [n, D] float32 tensor, got [{string.Join(", ", rows.shape)}] {rows.dtype}.");
        if (offset < 0) throw new ArgumentOutOfRangeException(nameof(offset), $"Offset {offset} is negative.");
        _rows = rows.DetachFromDisposeScope();
        Offset = offset;
    }

    /// <summary>
    /// A slice from host chunks in order (each fills its rows of one host tensor, so no second host copy of the whole
    /// slice is made), moved to <paramref name="device"/>.
    /// </summary>
    public static BankSlice Assemble(long offset, int columns, IReadOnlyList<(int Rows, Action<Span<float>> Fill)> chunks, Device device)
    {
        long rows = chunks.Sum(c => (long)c.Rows);
        using var host = empty([rows, columns], dtype: ScalarType.Float32);
        using (var flat = host.view(-1))
        {
            long at = 0;
            foreach (var (count, fill) in chunks)
            {
                using var target = flat.narrow(0, at, (long)count * columns);
                fill(MemoryMarshal.Cast<byte, float>(target.bytes));
                at += (long)count * columns;
            }
        }
        return new BankSlice(host.to(device), offset);
    }

    public long Offset { get; }
    public long Rows => _rows.shape[0];
    public int Columns => (int)_rows.shape[1];
    public Device Device => _rows.device;

    /// <summary>The <c>k</c> (at most the slice's rows) nearest rows of each query, ascending, with global indices.</summary>
    /// <param name="queries">[M, D] float32, on any device.</param>
    public Neighbours Nearest(Tensor queries, int k, ScalarType precision = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        k = (int)Math.Min(k, Rows);
        var (distances, indices) = Search(precision).Search(queries.to(Device), k);
        var host = DeviceTransfer.ToHost(distances, indices + Offset);
        return new Neighbours(k, HostArrays.ToArray<float>(host[0]), HostArrays.ToArray<long>(host[1]));
    }

    /// <summary>Of <paramref name="globalIndices"/>, those this slice holds, in their order, and their vectors ([n * D] row-major).</summary>
    public (long[] Owned, float[] Vectors) Vectors(IReadOnlyList<long> globalIndices)
    {
        var owned = globalIndices.Where(i => i >= Offset && i < Offset + Rows).ToArray();
        // (An empty tensor cannot be read back through TorchSharp's accessor.)
        if (owned.Length == 0) return (owned, []);
        using var scope = NewDisposeScope();
        var vectors = _rows.index_select(0, tensor(owned.Select(i => i - Offset).ToArray(), device: Device));
        return (owned, HostArrays.ToArray<float>(vectors.cpu()));
    }

    /// <summary>
    /// For each row b: the slice's <c>k</c> nearest rows to <paramref name="centers"/>[b] (N_b(m*) of Eq. 7 within the
    /// slice, as the engine finds it) and the distances of <paramref name="patches"/>[b] (the frame's worst patch) to them.
    /// </summary>
    /// <param name="centers">[B, D] m* of each frame.</param>
    /// <param name="patches">[B, D] the worst patch of each frame.</param>
    public Support SupportOf(Tensor centers, Tensor patches, int k, ScalarType precision = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        k = (int)Math.Min(k, Rows);
        var (centerDistances, indices) = Search(precision).Search(centers.to(Device), k);
        var vectors = _rows.index_select(0, indices.flatten()).reshape(centers.shape[0], k, -1);
        var patchDistances = ImageScoreReweighting.SupportDistances(vectors, patches.to(Device));
        var host = DeviceTransfer.ToHost(centerDistances, indices + Offset, patchDistances);
        return new Support(k, HostArrays.ToArray<float>(host[0]), HostArrays.ToArray<long>(host[1]), HostArrays.ToArray<float>(host[2]));
    }

    /// <summary>
    /// All of a batch's scoring from a bank that is this one slice, in one call: each patch's nearest row, and for each
    /// frame of <paramref name="patchesPerFrame"/> patches the support of Eq. 7 (its worst patch by the same rule as
    /// <see cref="ShardedSearchMerge.WorstPatches"/>, m* its nearest row, m*'s <paramref name="k"/> nearest rows and their
    /// distances to the worst patch): what the nearest, rows and support queries return, without the two round trips.
    /// </summary>
    /// <param name="queries">[frames * patchesPerFrame, D] float32.</param>
    public (Neighbours Nearest, Support Support) NearestWithSupport(Tensor queries, int patchesPerFrame, int k, ScalarType precision = ScalarType.Float32)
    {
        if (patchesPerFrame < 1 || queries.shape[0] % patchesPerFrame != 0)
            throw new ArgumentException($"{queries.shape[0]} query rows are not whole frames of {patchesPerFrame} patches.");
        var nearest = Nearest(queries, 1, precision);
        int frames = (int)(queries.shape[0] / patchesPerFrame);
        var worst = ShardedSearchMerge.WorstPatches(nearest.Distances, frames);
        using var scope = NewDisposeScope();
        var centers = _rows.index_select(0, tensor(worst.Select(w => nearest.Indices[w] - Offset).ToArray(), device: Device));
        var patches = queries.to(Device).index_select(0, tensor(worst.Select(w => (long)w).ToArray(), device: Device));
        return (nearest, SupportOf(centers, patches, k, precision));
    }

    /// <summary>Rows <paramref name="from"/> (slice-relative) onward, at most <paramref name="count"/>, row-major, for reading a slice in chunks.</summary>
    public float[] Read(long from, int count)
    {
        if (from < 0 || from >= Rows) throw new ArgumentOutOfRangeException(nameof(from), $"Row {from} is outside the slice's 0..{Rows - 1}.");
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), $"Row count {count} is below 1.");
        using var scope = NewDisposeScope();
        return HostArrays.ToArray<float>(_rows.narrow(0, from, Math.Min(count, Rows - from)).cpu());
    }

    private NearestNeighbourSearch Search(ScalarType precision)
    {
        if (!_searches.TryGetValue(precision, out var search))
            _searches[precision] = search = new NearestNeighbourSearch(_rows, NearestNeighbourSearch.DefaultBudgetBytes, precision);
        return search;
    }

    public void Dispose()
    {
        foreach (var search in _searches.Values) search.Dispose();
        _searches.Clear();
        _rows.Dispose();
    }

    /// <summary>[M * K] distances ascending per query and their global bank indices.</summary>
    public sealed record Neighbours(int K, float[] Distances, long[] Indices);

    /// <summary>[B * K] per frame, ascending by distance to m*: those distances, global indices, and distances to the worst patch.</summary>
    public sealed record Support(int K, float[] CenterDistances, long[] Indices, float[] PatchDistances);
}
