using System.Numerics;

namespace Inspection.Engine.Search;

/// <summary>
/// The first coordinates of many points at one byte each (<c>value ~ offset + step * code</c> per coordinate, 255
/// levels over the coordinate's range), stored dimension-major, with each point's rounding error. From them comes a
/// lower bound of a point's squared distance to a center over those coordinates that reads a quarter of the bytes of
/// float32 coordinates; <see cref="DismissAt"/> turns a point's current distance into the bound value at or above which
/// the point provably cannot be closer to the center.
/// </summary>
internal sealed class HeadCodes
{
    private static readonly int Lanes = Vector<float>.Count;
    private static readonly int GroupSize = Vector<sbyte>.Count;
    /// <summary>Relative allowance for the float rounding of a 32-term sum of squares (about 2e-6) and of the threshold.</summary>
    private const float SumMargin = 1e-5f;

    private readonly sbyte[] _codes;          // [Dimensions, _padded]
    private readonly float[] _offset;         // [Dimensions]
    private readonly Vector<float>[] _step;   // [Dimensions], broadcast
    private readonly float[] _slack;          // [_padded] per point: norm of its code error plus the float allowance
    private readonly int _padded;

    public int Dimensions { get; }

    /// <param name="points">[count, dims] row-major.</param>
    /// <param name="head">How many leading coordinates to code.</param>
    /// <param name="padded">Points stored per coordinate, a multiple of <c>Vector&lt;sbyte&gt;.Count</c>; codes past the
    /// points are 0.</param>
    public HeadCodes(float[] points, int dims, int head, int padded)
    {
        int count = points.Length / dims;
        if (padded % GroupSize != 0 || padded < count) throw new ArgumentException($"Padded size {padded} must be a multiple of {GroupSize} and hold {count} points.");
        Dimensions = head;
        _padded = padded;
        _codes = new sbyte[head * padded];
        _offset = new float[head];
        _step = new Vector<float>[head];
        var step = new float[head];
        for (int k = 0; k < head; k++)
        {
            float min = float.PositiveInfinity, max = float.NegativeInfinity;
            for (int i = 0; i < count; i++)
            {
                float v = points[i * dims + k];
                min = MathF.Min(min, v);
                max = MathF.Max(max, v);
            }
            _offset[k] = count > 0 ? min + (max - min) / 2 : 0;
            step[k] = max > min ? (max - min) / 254 : 0;
            _step[k] = new Vector<float>(step[k]);
        }
        _slack = new float[padded];
        double largest = 0;
        for (int i = 0; i < count; i++)
        {
            double error = 0, extent = 0;
            for (int k = 0; k < head; k++)
            {
                float v = points[i * dims + k];
                int code = step[k] > 0 ? (int)Math.Clamp(MathF.Round((v - _offset[k]) / step[k]), -127, 127) : 0;
                _codes[k * padded + i] = (sbyte)code;
                double difference = v - (_offset[k] + (double)step[k] * code);
                error += difference * difference;
                double reach = Math.Abs(v - (double)_offset[k]) + step[k];
                extent += reach * reach;
            }
            _slack[i] = (float)Math.Sqrt(error);
            largest = Math.Max(largest, Math.Sqrt(extent));
        }
        // Each coded difference code * step - (c - offset) is computed in float with a few roundings of at most 2^-24
        // of its terms; over the head that is below 2^-21 of the largest |x - offset|, covered with room by 1e-6 of it.
        float allowance = (float)(1e-6 * largest);
        for (int i = 0; i < count; i++) _slack[i] = (float)((_slack[i] + allowance) * (1 + 1e-6));
    }

    /// <summary>The center's per-coordinate terms for <see cref="Bounds"/>, once per center.</summary>
    public void CenterTerms(ReadOnlySpan<float> center, Span<Vector<float>> terms)
    {
        for (int k = 0; k < Dimensions; k++) terms[k] = new Vector<float>(center[k] - _offset[k]);
    }

    /// <summary>
    /// Squared distances over the coded coordinates from the points [group, group + <c>Vector&lt;sbyte&gt;.Count</c>) to the
    /// center, as four float vectors in point order.
    /// </summary>
    public void Bounds(int group, ReadOnlySpan<Vector<float>> centerTerms, Span<Vector<float>> bounds)
    {
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int k = 0; k < Dimensions; k++)
        {
            var codes = new Vector<sbyte>(_codes, k * _padded + group);
            Vector.Widen(codes, out Vector<short> low, out Vector<short> high);
            Vector.Widen(low, out Vector<int> c0, out Vector<int> c1);
            Vector.Widen(high, out Vector<int> c2, out Vector<int> c3);
            var step = _step[k];
            var center = centerTerms[k];
            var d0 = Vector.ConvertToSingle(c0) * step - center;
            var d1 = Vector.ConvertToSingle(c1) * step - center;
            var d2 = Vector.ConvertToSingle(c2) * step - center;
            var d3 = Vector.ConvertToSingle(c3) * step - center;
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

    /// <summary>
    /// The bound value at or above which point <paramref name="point"/>, now at squared distance
    /// <paramref name="squared"/> from its nearest center, cannot be closer to a new center: the coded distance then
    /// exceeds sqrt(squared) by more than the point's code error and the float rounding, so the real head distance, and
    /// with it the full distance, is at least sqrt(squared). Infinite while the point has no center.
    /// </summary>
    public float DismissAt(int point, float squared)
    {
        if (float.IsPositiveInfinity(squared)) return float.PositiveInfinity;
        float reach = MathF.Sqrt(squared) + _slack[point];
        return reach * reach * (1 + SumMargin);
    }
}
