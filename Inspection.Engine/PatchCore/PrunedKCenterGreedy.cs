using System.Numerics;
using System.Runtime.InteropServices;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// Exact greedy k-center selection on the CPU that skips most distance computations. Every point belongs to its
/// nearest selected center; for each center we keep the largest distance of its members (its radius r). When a new
/// center c arrives, a member x of center a can only get closer to c if |c - a| &lt; 2r, by the triangle inequality
/// (|x - c| &gt;= |c - a| - |x - a| &gt;= r &gt;= |x - a|); whole groups are skipped otherwise. The farthest point is the
/// farthest member of the group with the largest radius. Selections equal the brute-force loop's (up to exact ties).
/// </summary>
internal sealed class PrunedKCenterGreedy
{
    private readonly float[] _points;
    private readonly int _dims;
    private readonly int _count;
    private readonly float[] _minDistance;     // squared distance to the nearest center
    private readonly List<int> _centerPoint = [];
    private readonly List<int[]> _members = [];
    private readonly List<int> _memberCount = [];
    private readonly List<float> _radius = [];  // squared
    private readonly List<int> _farthest = [];
    private float[] _centerDistance = new float[1024];

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

    private int FarthestPoint()
    {
        int best = 0;
        float bestRadius = float.NegativeInfinity;
        for (int c = 0; c < _radius.Count; c++)
            if (_radius[c] > bestRadius) { bestRadius = _radius[c]; best = c; }
        return _farthest[best];
    }

    private void UpdateWith(int newPoint)
    {
        int existing = _centerPoint.Count;
        if (_centerDistance.Length < existing) Array.Resize(ref _centerDistance, existing * 2);
        var centerDistance = _centerDistance;
        // Center-to-center distances: the part that grows with k; split over cores.
        Parallel.For(0, Environment.ProcessorCount, worker =>
        {
            int per = (existing + Environment.ProcessorCount - 1) / Environment.ProcessorCount;
            for (int c = worker * per; c < Math.Min(existing, (worker + 1) * per); c++)
                centerDistance[c] = _radius[c] > 0 ? SquaredDistance(_centerPoint[c], newPoint) : float.PositiveInfinity;
        });

        var moved = new List<int>();
        float newRadius = 0;
        int newFarthest = newPoint;
        for (int c = 0; c < existing; c++)
        {
            float radius = _radius[c];
            // |c - a| >= 2r  <=>  |c - a|^2 >= 4 r^2; the small margin absorbs rounding in the float distances.
            if (radius <= 0 || centerDistance[c] >= 4.0001f * radius) continue;
            var members = _members[c];
            int kept = 0;
            float keptRadius = 0;
            int keptFarthest = _centerPoint[c];
            for (int m = 0; m < _memberCount[c]; m++)
            {
                int x = members[m];
                float d = SquaredDistance(x, newPoint);
                if (d < _minDistance[x])
                {
                    _minDistance[x] = d;
                    moved.Add(x);
                    if (d > newRadius) { newRadius = d; newFarthest = x; }
                }
                else
                {
                    members[kept++] = x;
                    if (_minDistance[x] > keptRadius) { keptRadius = _minDistance[x]; keptFarthest = x; }
                }
            }
            _memberCount[c] = kept;
            _radius[c] = keptRadius;
            _farthest[c] = keptFarthest;
        }
        var list = moved.ToArray();
        AddCenter(newPoint, list, list.Length, newRadius, newFarthest);
    }

    private void AddCenter(int point, int[] members, int memberCount, float? radius = null, int? farthest = null)
    {
        if (radius == null)
        {
            float r = 0;
            int f = point;
            for (int m = 0; m < memberCount; m++)
                if (_minDistance[members[m]] > r) { r = _minDistance[members[m]]; f = members[m]; }
            radius = r;
            farthest = f;
        }
        _centerPoint.Add(point);
        _members.Add(members);
        _memberCount.Add(memberCount);
        _radius.Add(radius.Value);
        _farthest.Add(farthest!.Value);
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
