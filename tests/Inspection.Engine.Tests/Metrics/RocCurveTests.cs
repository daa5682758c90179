using Inspection.Engine.Metrics;
using Xunit;

namespace Inspection.Engine.Tests.Metrics;

public class RocCurveTests
{
    [Fact]
    public void PointsAtEachDistinctThreshold()
    {
        // P = 2, N = 2. Descending thresholds:
        //   +inf: nothing flagged            -> (0, 0)
        //   0.8 : tp 1, fp 0                 -> (0, 0.5)
        //   0.4 : tp 2, fp 1 (tie is one step) -> (0.5, 1)
        //   0.1 : tp 2, fp 2                 -> (1, 1)
        float[] scores = [0.1f, 0.4f, 0.4f, 0.8f];
        bool[] labels = [false, false, true, true];

        (double[] fpr, double[] tpr, float[] thresholds) = RocCurve.Compute(scores, labels);

        Assert.Equal([0.0, 0.0, 0.5, 1.0], fpr);
        Assert.Equal([0.0, 0.5, 1.0, 1.0], tpr);
        Assert.Equal([float.PositiveInfinity, 0.8f, 0.4f, 0.1f], thresholds);
    }

    [Fact]
    public void MissingClassGivesNaNRate()
    {
        (double[] fpr, double[] tpr, _) = RocCurve.Compute([0.2f, 0.7f], [true, true]);
        Assert.All(fpr, v => Assert.True(double.IsNaN(v)));
        Assert.Equal([0.0, 0.5, 1.0], tpr);
    }

    [Fact]
    public void MismatchedLengthsThrow()
    {
        Assert.Throws<ArgumentException>(() => RocCurve.Compute([0.1f], [true, false]));
    }

    [Fact]
    public void ThresholdsAreTheDistinctScoresDescending()
    {
        var random = new Random(3);
        float[] scores = Enumerable.Range(0, 300).Select(_ => (random.Next(-40, 40) / 8f) * 1.5f).ToArray();
        bool[] labels = scores.Select(_ => random.Next(2) == 0).ToArray();
        float[] expected = [float.PositiveInfinity, .. scores.Distinct().OrderByDescending(v => v)];

        (double[] fpr, double[] tpr, float[] thresholds) = RocCurve.Compute(scores, labels);

        Assert.Equal(expected, thresholds);
        Assert.Equal(1.0, fpr[^1]);
        Assert.Equal(1.0, tpr[^1]);
        for (int i = 1; i < fpr.Length; i++)
        {
            Assert.True(fpr[i] >= fpr[i - 1] && tpr[i] >= tpr[i - 1]);
        }
    }
}
