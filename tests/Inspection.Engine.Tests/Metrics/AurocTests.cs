using Inspection.Engine.Metrics;
using Xunit;

namespace Inspection.Engine.Tests.Metrics;

public class AurocTests
{
    [Fact]
    public void PerfectSeparationIsOne()
    {
        float[] scores = [0.1f, 0.2f, 0.8f, 0.9f];
        bool[] labels = [false, false, true, true];
        Assert.Equal(1.0, Auroc.Compute(scores, labels), 12);
    }

    [Fact]
    public void ReversedRankingIsZero()
    {
        float[] scores = [0.9f, 0.8f, 0.2f, 0.1f];
        bool[] labels = [false, false, true, true];
        Assert.Equal(0.0, Auroc.Compute(scores, labels), 12);
    }

    [Fact]
    public void TiesCountHalf()
    {
        // Pairs (positive, negative): (0.4, 0.1) = 1, (0.4, 0.4) tie = 1/2, (0.8, 0.1) = 1, (0.8, 0.4) = 1.
        // U = 3.5 over 2 * 2 = 4 pairs -> 0.875.
        float[] scores = [0.1f, 0.4f, 0.4f, 0.8f];
        bool[] labels = [false, false, true, true];
        Assert.Equal(0.875, Auroc.Compute(scores, labels), 12);
    }

    [Fact]
    public void AllScoresTiedIsOneHalf()
    {
        // Every (positive, negative) pair is a tie -> 1/2.
        float[] scores = [0.3f, 0.3f, 0.3f];
        bool[] labels = [true, false, false];
        Assert.Equal(0.5, Auroc.Compute(scores, labels), 12);
    }

    [Fact]
    public void SingleClassIsNaN()
    {
        Assert.True(double.IsNaN(Auroc.Compute([0.1f, 0.5f], [true, true])));
        Assert.True(double.IsNaN(Auroc.Compute([0.1f, 0.5f], [false, false])));
    }

    [Fact]
    public void MismatchedLengthsThrow()
    {
        Assert.Throws<ArgumentException>(() => Auroc.Compute([0.1f, 0.2f], [true]));
    }

    [Fact]
    public void EmptyInputThrows()
    {
        Assert.Throws<ArgumentException>(() => Auroc.Compute([], []));
    }

    [Fact]
    public void NaNScoreThrows()
    {
        Assert.Throws<ArgumentException>(() => Auroc.Compute([0.1f, float.NaN], [true, false]));
    }

    [Fact]
    public void MatchesNaivePairwiseMannWhitneyWithTies()
    {
        var random = new Random(12345);
        const int n = 500;
        var scores = new float[n];
        var labels = new bool[n];
        for (int i = 0; i < n; i++)
        {
            // Only 25 distinct values, so ties are frequent; positives are shifted up to make the AUROC non-trivial.
            labels[i] = random.NextDouble() < 0.3;
            int level = random.Next(0, 20) + (labels[i] ? 5 : 0);
            scores[i] = level / 25f;
        }

        double wins = 0;
        long pairs = 0;
        for (int p = 0; p < n; p++)
        {
            if (!labels[p])
            {
                continue;
            }

            for (int q = 0; q < n; q++)
            {
                if (labels[q])
                {
                    continue;
                }

                pairs++;
                if (scores[p] > scores[q])
                {
                    wins += 1.0;
                }
                else if (scores[p] == scores[q])
                {
                    wins += 0.5;
                }
            }
        }

        double expected = wins / pairs;
        Assert.InRange(expected, 0.55, 0.95);
        Assert.Equal(expected, Auroc.Compute(scores, labels), 12);
    }

    [Fact]
    public void AgreesWithTrapezoidOverRocCurve()
    {
        float[] scores = [0.1f, 0.4f, 0.4f, 0.8f, 0.35f, 0.8f, 0.05f];
        bool[] labels = [false, false, true, true, true, false, false];
        (double[] fpr, double[] tpr, _) = RocCurve.Compute(scores, labels);
        double area = 0;
        for (int i = 1; i < fpr.Length; i++)
        {
            area += (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2;
        }

        Assert.Equal(area, Auroc.Compute(scores, labels), 12);
    }

    [Fact]
    public void OrdersNegativeZeroAndInfiniteScoresLikeFloatComparison()
    {
        // Scores span the sign bit, +/-0 and infinities, which the bit-pattern sort must order like float
        // comparison. Naive pairwise count over (positive, negative) pairs is the reference.
        var random = new Random(7);
        float[] specials = [float.NegativeInfinity, -1e30f, -3.5f, -1e-40f, -0f, 0f, 1e-40f, 2.25f, 1e30f, float.PositiveInfinity];
        const int n = 400;
        var scores = new float[n];
        var labels = new bool[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = random.Next(2) == 0;
            int index = Math.Clamp(random.Next(specials.Length) + (labels[i] ? 2 : -2), 0, specials.Length - 1);
            scores[i] = specials[index];
        }

        double wins = 0;
        long pairs = 0;
        for (int p = 0; p < n; p++)
        {
            for (int q = 0; q < n; q++)
            {
                if (!labels[p] || labels[q])
                {
                    continue;
                }

                pairs++;
                wins += scores[p] > scores[q] ? 1.0 : scores[p] == scores[q] ? 0.5 : 0.0;
            }
        }

        Assert.Equal(wins / pairs, Auroc.Compute(scores, labels), 12);
    }
}
