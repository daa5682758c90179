using System.Numerics;
using Inspection.Engine.Search;

namespace Inspection.Engine.Sampling;

/// <summary>
/// Greedy k-center selection on the CPU that reads a fraction of the points per step. The loop is bound by memory
/// bandwidth (one pass over all points per selected point), so it is cut short with a lower bound: on points rotated
/// onto their principal axes (<see cref="PrincipalRotation"/>), the distance over the first <see cref="HeadDimensions"/>
/// coordinates already carries most of the distance, and when it is no smaller than a point's current distance to the
/// selected set the new center cannot move that point. The head coordinates are stored dimension-major, so one vector
/// holds one coordinate of several points and the bound needs no horizontal sums; rows are read only for points the
/// bound keeps, as a direct sum that stops once it reaches the point's distance.
/// Where the head carries most of the variance (real patch features), the bound is read from one byte per coordinate
/// (<see cref="HeadCodes"/>), a quarter of the bytes, and steps are faster. Where it does not (isotropic data such as
/// random benchmark points), most points are kept anyway, and the float32 head is faster: its exact partial sums are
/// completed from the rows instead of recomputed (docs/benchmark-history.md, 'Accuracy and cost on the two real
/// datasets', "Coreset on the CPU").
/// </summary>
/// <remarks>
/// A point is dismissed only when its real distance to the new center is no smaller than its current distance (with
/// codes, their rounding error and the bound's float rounding are covered; the float32 partial sum never exceeds the
/// full one). Distances that are compared are float sums over the rows, so the selection is the brute-force loop's except
/// where two candidate distances differ by float rounding alone; ties go to the lowest index.
/// </remarks>
internal sealed class PartialDistanceKCenterGreedy
{
    public const int HeadDimensions = 32;
    /// <summary>Least share of the variance in the head coordinates for which the byte-coded bound is used.</summary>
    public const double MinCodedVarianceShare = 0.5;
    private static readonly int Lanes = Vector<float>.Count;
    private static readonly int GroupSize = Vector<sbyte>.Count; // points per group: four float vectors

    private readonly int _count;
    private readonly int _padded;        // _count rounded up to whole groups
    private readonly int _dims;
    private readonly int _head;
    private readonly float[] _rows;      // [_count, _dims - _rowStart] the points' coordinates from _rowStart on, row-major
    private readonly int _rowStart;      // 0 with codes (rows give whole distances), _head without (rows complete the head's)
    private readonly HeadCodes? _codes;        // the byte-coded bound, or
    private readonly float[]? _headColumns;    // [_head, _padded] the float32 one
    private readonly float[] _minDistance; // [_padded] squared distance to the nearest selected point; -1 for padding
    // [_padded] bounds at or above which a point cannot move. With codes, from HeadCodes.DismissAt (-inf for padding);
    // without, _minDistance itself: a float32 partial sum bounds the float distance, so a point is kept while below it.
    private readonly float[] _dismissAt;

    /// <param name="points">[count, dims] row-major, ideally rotated onto principal axes.</param>
    /// <param name="headVarianceShare">Share of the points' variance in their first <see cref="HeadDimensions"/>
    /// coordinates; it chooses the bound (see <see cref="MinCodedVarianceShare"/>).</param>
    public PartialDistanceKCenterGreedy(float[] points, int dims, double headVarianceShare)
    {
        _dims = dims;
        _count = points.Length / dims;
        _padded = (_count + GroupSize - 1) / GroupSize * GroupSize;
        _head = Math.Min(HeadDimensions, dims);
        if (headVarianceShare >= MinCodedVarianceShare)
        {
            _codes = new HeadCodes(points, dims, _head, _padded);
            _rows = points;
        }
        else
        {
            // Separate tails, not whole rows: a survivor then streams only the coordinates it still needs (whole rows cost
            // a quarter more memory traffic here, where most points survive, and were slower on random points;
            // docs/benchmark-history.md, 'Design measurements quoted in code before 2026-12-05').
            if ((long)_head * _padded > Array.MaxLength) throw new ArgumentException($"{_count} points are too many for the CPU coreset layout.");
            _rowStart = _head;
            int tail = dims - _head;
            _headColumns = new float[_head * _padded];
            _rows = new float[_count * tail];
            for (int i = 0; i < _count; i++)
            {
                var row = points.AsSpan(i * dims, dims);
                for (int k = 0; k < _head; k++) _headColumns[k * _padded + i] = row[k];
                row[_head..].CopyTo(_rows.AsSpan(i * tail, tail));
            }
        }
        _minDistance = new float[_padded];
        Array.Fill(_minDistance, float.PositiveInfinity, 0, _count);
        Array.Fill(_minDistance, -1f, _count, _padded - _count); // below every real distance: never closer, never farthest
        _dismissAt = _minDistance;
        if (_codes is not null)
        {
            _dismissAt = new float[_padded];
            Array.Fill(_dismissAt, float.PositiveInfinity, 0, _count);
            Array.Fill(_dismissAt, float.NegativeInfinity, _count, _padded - _count);
        }
    }

    /// <summary>Whether the byte-coded bound is in use.</summary>
    public bool Coded => _codes is not null;

    /// <summary>
    /// Starts from points already covered by centers outside this set (a bank being extended): each point's squared
    /// distance to its nearest such center. <see cref="Select"/> then continues that selection.
    /// </summary>
    public void SeedDistances(ReadOnlySpan<float> squared)
    {
        if (squared.Length != _count) throw new ArgumentException($"{squared.Length} distances for {_count} points.", nameof(squared));
        for (int i = 0; i < _count; i++) SetDistance(i, squared[i]);
    }

    /// <param name="start">The random start, which only seeds the distances (anomalib's rule); negative after
    /// <see cref="SeedDistances"/>: the first selection is then the point farthest from the outside centers.</param>
    /// <returns>Point indices in selection order; the first is the farthest from <paramref name="start"/>.</returns>
    public long[] Select(long count, int start, Action<long>? progress)
    {
        var selected = new long[count];
        long reportEvery = Math.Max(1, count / 100);
        // Whole groups per worker, and enough points per worker to be worth a thread.
        int groups = _padded / GroupSize;
        int workers = Math.Clamp(groups / 1024, 1, Environment.ProcessorCount);
        int groupsPerWorker = (groups + workers - 1) / workers;
        var farthest = new (float Distance, int Index)[workers];
        var center = new float[_dims];
        var centerHead = new Vector<float>[_head];
        int current = start;
        long first = 0;
        if (start < 0)
        {
            current = Farthest();
            selected[first++] = current;
            SetDistance(current, 0);
        }
        for (long s = first; s < count; s++)
        {
            CenterOf(current, center);
            if (_codes is not null) _codes.CenterTerms(center, centerHead);
            else for (int k = 0; k < _head; k++) centerHead[k] = new Vector<float>(center[k]);
            if (workers == 1) farthest[0] = Update(0, _padded, center, centerHead);
            else
                Parallel.For(0, workers, w =>
                {
                    int from = w * groupsPerWorker * GroupSize;
                    farthest[w] = Update(from, Math.Min(_padded, from + groupsPerWorker * GroupSize), center, centerHead);
                });
            var (distance, index) = farthest[0];
            for (int w = 1; w < workers; w++)
                if (farthest[w].Distance > distance) (distance, index) = farthest[w]; // ranges ascend: ties keep the lower index
            selected[s] = index;
            SetDistance(index, 0);
            current = index;
            if (progress != null && (s + 1) % reportEvery == 0) progress(s + 1);
        }
        if (count % reportEvery != 0) progress?.Invoke(count); // the last step, which the reports above skipped
        return selected;
    }

    /// <summary>The point with the largest distance; ties go to the lowest index.</summary>
    private int Farthest()
    {
        int index = 0;
        for (int i = 1; i < _count; i++) if (_minDistance[i] > _minDistance[index]) index = i;
        return index;
    }

    private void SetDistance(int point, float squared)
    {
        _minDistance[point] = squared;
        if (_codes is not null) _dismissAt[point] = _codes.DismissAt(point, squared);
    }

    /// <summary>Moves the points of [from, to) that are closer to the new center to it; returns the farthest point of the range.</summary>
    private (float Distance, int Index) Update(int from, int to, float[] center, Vector<float>[] centerHead)
    {
        var laneIndex = LaneIndices();
        var best = new Vector<float>(-1f);
        var bestIndex = Vector<int>.Zero;
        Span<Vector<float>> bounds = stackalloc Vector<float>[4];
        for (int group = from; group < to; group += GroupSize)
        {
            if (_codes is not null) _codes.Bounds(group, centerHead, bounds);
            else FloatBounds(group, centerHead, bounds);
            for (int part = 0; part < 4; part++)
            {
                int i = group + part * Lanes;
                var kept = Vector.LessThan(bounds[part], new Vector<float>(_dismissAt, i));
                if (!Vector.EqualsAll(kept, Vector<int>.Zero))
                    for (int j = 0; j < Lanes; j++)
                    {
                        if (kept[j] == 0) continue;
                        int p = i + j;
                        float own = _minDistance[p];
                        // Coded bounds are not distances: the row is summed from its start. Float32 ones are exact
                        // partial sums: the tail completes them.
                        float distance = Distance(p, center, own, _codes is not null ? 0 : bounds[part][j]);
                        if (distance < own) SetDistance(p, distance);
                    }
                var min = new Vector<float>(_minDistance, i);
                var farther = Vector.GreaterThan(min, best); // strict: each lane keeps its first maximum
                best = Vector.ConditionalSelect(farther, min, best);
                bestIndex = Vector.ConditionalSelect(farther, new Vector<int>(i) + laneIndex, bestIndex);
            }
        }
        float bestDistance = -1;
        int index = int.MaxValue;
        for (int j = 0; j < Lanes; j++)
            if (best[j] > bestDistance || (best[j] == bestDistance && bestIndex[j] < index)) (bestDistance, index) = (best[j], bestIndex[j]);
        return (bestDistance, index);
    }

    /// <summary>Squared distances over the float32 head of the points [group, group + GroupSize), as four vectors.</summary>
    private void FloatBounds(int group, ReadOnlySpan<Vector<float>> centerHead, Span<Vector<float>> bounds)
    {
        // Four independent sums, as in HeadCodes.Bounds: one sum per part was slower on random points
        // (docs/benchmark-history.md, 'Design measurements quoted in code before 2026-12-05').
        var columns = _headColumns!;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int k = 0; k < centerHead.Length; k++)
        {
            int at = k * _padded + group;
            var c = centerHead[k];
            var d0 = new Vector<float>(columns, at) - c;
            var d1 = new Vector<float>(columns, at + Lanes) - c;
            var d2 = new Vector<float>(columns, at + 2 * Lanes) - c;
            var d3 = new Vector<float>(columns, at + 3 * Lanes) - c;
            a0 += d0 * d0;
            a1 += d1 * d1;
            a2 += d2 * d2;
            a3 += d3 * d3;
        }
        bounds[0] = a0;
        bounds[1] = a1;
        bounds[2] = a2;
        bounds[3] = a3;
    }

    /// <summary>All coordinates of point <paramref name="point"/>, from wherever they are stored.</summary>
    private void CenterOf(int point, float[] center)
    {
        int stored = _dims - _rowStart;
        Array.Copy(_rows, (long)point * stored, center, _rowStart, stored);
        for (int k = 0; k < _rowStart; k++) center[k] = _headColumns![k * _padded + point];
    }

    /// <summary>
    /// Squared distance of a point to the center: <paramref name="partial"/> (the sum over the coordinates before the
    /// stored row) plus a direct sum over the stored row; stops once the sum reaches <paramref name="limit"/> (the result
    /// is then some value of at least the limit).
    /// </summary>
    private float Distance(int point, float[] center, float limit, float partial)
    {
        int stored = _dims - _rowStart;
        var row = _rows.AsSpan(point * stored, stored);
        var rest = center.AsSpan(_rowStart);
        float sum = partial;
        int k = 0;
        for (; k + Lanes <= stored && sum < limit; k += Lanes)
        {
            var difference = new Vector<float>(row[k..]) - new Vector<float>(rest[k..]);
            sum += Vector.Sum(difference * difference);
        }
        for (; k < stored && sum < limit; k++)
        {
            float difference = row[k] - rest[k];
            sum += difference * difference;
        }
        return sum;
    }

    private static Vector<int> LaneIndices()
    {
        Span<int> lanes = stackalloc int[Vector<int>.Count];
        for (int j = 0; j < lanes.Length; j++) lanes[j] = j;
        return new Vector<int>(lanes);
    }
}
