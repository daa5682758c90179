using System.Numerics;
using System.Runtime.InteropServices;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// Exact greedy k-center selection on the CPU that skips most distance computations, by the triangle inequality.
/// Every point belongs to its nearest selected center a, at distance d(x,a) = sqrt(minDistance[x]). When a new center
/// c arrives at distance D from a, a member x can only get closer to c if d(x,a) &gt; D/2
/// (d(x,c) &gt;= D - d(x,a) &gt;= d(x,a) otherwise). Members are kept sorted by d(x,a), farthest first, so a group is
/// scanned only down to that bound, and a group whose farthest member is within D/2 is skipped without reading it.
/// D itself is bounded from below through a few pivot points (|d(c,o) - d(a,o)| &lt;= D), so most groups are
/// dismissed without computing D. The farthest point overall is the first member of the group with the largest
/// radius. Selections equal the brute-force loop's up to exact ties.
/// </summary>
internal sealed class PrunedKCenterGreedy
{
    private const int PivotCount = 8;
    // Relative margin on squared-distance comparisons: rounding in float distances must never wrongly skip a point.
    private const float Margin = 1.0001f;

    private readonly float[] _points;
    private readonly int _dims;
    private readonly int _count;
    private readonly float[] _minDistance;     // squared distance to the nearest center
    private readonly List<int> _centerPoint = [];
    private readonly List<int[]> _members = [];  // sorted by _minDistance, descending
    private readonly List<int> _memberCount = [];
    private readonly List<float> _pivotDistance = []; // PivotCount per center: distance (not squared) to each pivot
    private readonly List<int> _pivots = [];

    public PrunedKCenterGreedy(float[] points, int dims)
    {
        _points = points;
        _dims = dims;
        _count = points.Length / dims;
        _minDistance = new float[_count];
    }

    public long[] Select(long count, int start, Action<long>? progress)
    {
        var all = new int[_count];
        for (int i = 0; i < _count; i++)
        {
            all[i] = i;
            _minDistance[i] = SquaredDistance(i, start);
        }
        AddCenter(start, all, _count);
        var selected = new long[count];
        long reportEvery = Math.Max(1, count / 100);
        for (long s = 0; s < count; s++)
        {
            int next = FarthestPoint();
            selected[s] = next;
            UpdateWith(next);
            if (progress != null && (s + 1) % reportEvery == 0) progress(s + 1);
        }
        return selected;
    }

    private float Radius(int center) => _memberCount[center] == 0 ? 0 : _minDistance[_members[center][0]];

    private int FarthestPoint()
    {
        int best = 0;
        float bestRadius = float.NegativeInfinity;
        for (int c = 0; c < _centerPoint.Count; c++)
        {
            float r = Radius(c);
            if (r > bestRadius) { bestRadius = r; best = c; }
        }
        return _memberCount[best] == 0 ? _centerPoint[best] : _members[best][0];
    }

    private void UpdateWith(int newPoint)
    {
        int existing = _centerPoint.Count;
        var newPivot = new float[PivotCount];
        for (int j = 0; j < _pivots.Count; j++) newPivot[j] = MathF.Sqrt(SquaredDistance(newPoint, _pivots[j]));

        // Groups are independent (each point belongs to one), so they are scanned in parallel, a contiguous range of
        // groups per worker; the moved points are joined in worker order, so the result does not depend on timing.
        int workers = existing < 2048 ? 1 : Environment.ProcessorCount;
        var moved = new List<int>[workers];
        if (workers == 1) moved[0] = ScanGroups(0, existing, newPoint, newPivot);
        else
            Parallel.For(0, workers, w =>
            {
                int per = (existing + workers - 1) / workers;
                moved[w] = ScanGroups(w * per, Math.Min(existing, (w + 1) * per), newPoint, newPivot);
            });
        var list = moved.SelectMany(m => m).ToArray();
        AddCenter(newPoint, list, list.Length);
    }

    /// <summary>Updates the members of groups [from, to) against the new center; returns those that move to it.</summary>
    private List<int> ScanGroups(int from, int to, int newPoint, float[] newPivot)
    {
        var moved = new List<int>();
        var pivotDistances = CollectionsMarshal.AsSpan(_pivotDistance);
        for (int c = from; c < to; c++)
        {
            int memberCount = _memberCount[c];
            if (memberCount == 0) continue;
            float radius = Radius(c);
            if (radius <= 0) continue;
            // Cheap lower bound of the center distance from the pivots: skip the group if even that is >= 2r.
            if (_pivots.Count == PivotCount)
            {
                float bound = 0;
                var pa = pivotDistances.Slice(c * PivotCount, PivotCount);
                for (int j = 0; j < PivotCount; j++) bound = MathF.Max(bound, MathF.Abs(newPivot[j] - pa[j]));
                if (bound * bound >= 4 * radius * Margin) continue;
            }
            float centerDistance = SquaredDistance(_centerPoint[c], newPoint);
            float limit = centerDistance / 4 / Margin; // members with d(x,a)^2 <= D^2/4 cannot move
            if (radius <= limit) continue;

            var members = _members[c];
            int kept = 0, m = 0;
            for (; m < memberCount; m++)
            {
                int x = members[m];
                float own = _minDistance[x];
                if (own <= limit) break; // sorted: nobody after this can move either
                float d = SquaredDistance(x, newPoint);
                if (d < own)
                {
                    _minDistance[x] = d;
                    moved.Add(x);
                }
                else members[kept++] = x;
            }
            if (kept != m)
            {
                // Close the gap left by the moved members; the order (farthest first) is unchanged.
                Array.Copy(members, m, members, kept, memberCount - m);
                _memberCount[c] = memberCount - (m - kept);
            }
        }
        return moved;
    }

    private void AddCenter(int point, int[] members, int memberCount)
    {
        // Farthest first; equal distances by point index, so the order never depends on how members were gathered.
        Array.Sort(members, 0, memberCount, Comparer<int>.Create((x, y) =>
        {
            int byDistance = _minDistance[y].CompareTo(_minDistance[x]);
            return byDistance != 0 ? byDistance : x.CompareTo(y);
        }));
        _centerPoint.Add(point);
        _members.Add(members);
        _memberCount.Add(memberCount);
        if (_pivots.Count < PivotCount)
        {
            // The first centers are far apart (farthest-first), which makes them good pivots.
            _pivots.Add(point);
            if (_pivots.Count == PivotCount)
                for (int c = 0; c < _centerPoint.Count; c++)
                    for (int j = 0; j < PivotCount; j++) _pivotDistance.Add(MathF.Sqrt(SquaredDistance(_centerPoint[c], _pivots[j])));
            return;
        }
        for (int j = 0; j < PivotCount; j++) _pivotDistance.Add(MathF.Sqrt(SquaredDistance(point, _pivots[j])));
    }

    private float SquaredDistance(int a, int b)
    {
        var x = MemoryMarshal.Cast<float, Vector<float>>(_points.AsSpan(a * _dims, _dims));
        var y = MemoryMarshal.Cast<float, Vector<float>>(_points.AsSpan(b * _dims, _dims));
        var acc = Vector<float>.Zero;
        for (int i = 0; i < x.Length; i++)
        {
            var diff = x[i] - y[i];
            acc += diff * diff;
        }
        float sum = Vector.Sum(acc);
        for (int i = x.Length * Vector<float>.Count; i < _dims; i++)
        {
            float diff = _points[a * _dims + i] - _points[b * _dims + i];
            sum += diff * diff;
        }
        return sum;
    }
}
