using System.Numerics;
using Inspection.Engine.PatchCore;
using Xunit;
using Inspection.Engine.Search;

namespace Inspection.Engine.Tests.Search;

public class HeadCodesTests
{
    /// <summary>
    /// The one property the coreset relies on: a point is dismissed (bound at or above <see cref="HeadCodes.DismissAt"/>)
    /// only if its real squared distance over the coded coordinates is at least its current distance. Checked with the
    /// current distance just above the real one, where dismissing would be wrong, and well below it, where the bound
    /// should dismiss.
    /// </summary>
    [Theory]
    [InlineData(0f, 1f)]      // centred data
    [InlineData(1000f, 0.01f)] // far from the origin with a small spread: offsets and float allowance matter
    [InlineData(-3f, 50f)]
    public void A_point_is_dismissed_only_when_its_real_head_distance_is_no_smaller(float origin, float spread)
    {
        const int count = 777, dims = 40, head = 32;
        var random = new Random(3);
        var points = new float[count * dims];
        for (int i = 0; i < count; i++)
            for (int k = 0; k < dims; k++)
                points[i * dims + k] = k == 5 ? origin : origin + spread * (float)(random.NextDouble() * 2 - 1) * (k + 1) / head; // coordinate 5 is constant
        int padded = (count + Vector<sbyte>.Count - 1) / Vector<sbyte>.Count * Vector<sbyte>.Count;
        var codes = new HeadCodes(points, dims, head, padded);
        var terms = new Vector<float>[head];
        var bounds = new Vector<float>[4];
        int lanes = Vector<float>.Count, dismissedWhenFar = 0;
        foreach (int center in new[] { 0, 17, 400, count - 1 })
        {
            codes.CenterTerms(points.AsSpan(center * dims, dims), terms);
            for (int group = 0; group < padded; group += Vector<sbyte>.Count)
            {
                codes.Bounds(group, terms, bounds);
                for (int j = 0; j < Vector<sbyte>.Count && group + j < count; j++)
                {
                    int p = group + j;
                    float bound = bounds[j / lanes][j % lanes];
                    double real = 0;
                    for (int k = 0; k < head; k++)
                    {
                        double d = (double)points[p * dims + k] - points[center * dims + k];
                        real += d * d;
                    }
                    float justAbove = (float)(real * (1 + 1e-6) + 1e-30);
                    Assert.True(bound < codes.DismissAt(p, justAbove), $"point {p} (center {center}) would be dismissed at {justAbove:G9} with a real head distance of {real:G9}");
                    if (bound >= codes.DismissAt(p, (float)(real / 4))) dismissedWhenFar++;
                }
            }
        }
        // The bound is worth computing: a center four times closer (in squared distance) than the real one is ruled out
        // for almost every point whose distance is not tiny against the code error.
        Assert.True(dismissedWhenFar > 0.8 * 4 * count, $"only {dismissedWhenFar} of {4 * count} dismissed");
        Assert.True(float.IsPositiveInfinity(codes.DismissAt(3, float.PositiveInfinity)));
    }
}
