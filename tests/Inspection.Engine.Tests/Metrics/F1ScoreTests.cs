using Inspection.Engine.Metrics;
using Xunit;

namespace Inspection.Engine.Tests.Metrics;

public class F1ScoreTests
{
    [Fact]
    public void FindsBestThreshold()
    {
        // P = 3. F1 = 2TP / (TP + FP + P) at each threshold (descending):
        //   0.9 : tp 1, fp 0 -> 2/4 = 0.5
        //   0.8 : tp 1, fp 1 -> 2/5 = 0.4
        //   0.4 : tp 2, fp 1 -> 4/6 = 0.667
        //   0.35: tp 2, fp 2 -> 4/7 = 0.571
        //   0.3 : tp 3, fp 2 -> 6/8 = 0.75   <- best
        //   0.1 : tp 3, fp 3 -> 6/9 = 0.667
        float[] scores = [0.1f, 0.3f, 0.35f, 0.4f, 0.8f, 0.9f];
        bool[] labels = [false, true, false, true, false, true];

        (double f1, float threshold) = F1Score.Max(scores, labels);

        Assert.Equal(0.75, f1, 12);
        Assert.Equal(0.3f, threshold);
    }

    [Fact]
    public void TiedF1PicksLowestThreshold()
    {
        // P = 3. Descending: 0.9 pos, 0.8 neg, 0.7 pos, 0.6 neg, 0.5 neg, 0.4 pos.
        //   0.9: 2/4, 0.8: 2/5, 0.7: 4/6 = 2/3, 0.6: 4/7, 0.5: 4/8, 0.4: 6/9 = 2/3.
        // Max 2/3 is reached at 0.7 and 0.4; torch.argmax over ascending thresholds picks 0.4.
        float[] scores = [0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f];
        bool[] labels = [true, false, true, false, false, true];

        (double f1, float threshold) = F1Score.Max(scores, labels);

        Assert.Equal(2.0 / 3.0, f1, 12);
        Assert.Equal(0.4f, threshold);
    }

    [Fact]
    public void NoPositivesGivesNaNAndMaximumScore()
    {
        (double f1, float threshold) = F1Score.Max([0.2f, 0.7f, 0.5f], [false, false, false]);
        Assert.True(double.IsNaN(f1));
        Assert.Equal(0.7f, threshold);
    }

    [Fact]
    public void NoNegativesFlagsEverything()
    {
        // All positive: the lowest threshold gives TP = P, FP = 0 -> F1 = 1.
        (double f1, float threshold) = F1Score.Max([0.2f, 0.7f, 0.5f], [true, true, true]);
        Assert.Equal(1.0, f1, 12);
        Assert.Equal(0.2f, threshold);
    }

    [Fact]
    public void MismatchedLengthsThrow()
    {
        Assert.Throws<ArgumentException>(() => F1Score.Max([0.1f, 0.2f], [true]));
    }
}
