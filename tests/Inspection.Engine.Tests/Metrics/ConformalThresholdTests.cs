using Inspection.Engine.Data;
using Inspection.Engine.Metrics;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Engine.Tests.Metrics;

/// <summary>
/// The split-conformal threshold: its rank, its refusal when the images are too few, and its guarantee over many draws
/// of synthetic good scores (the false-reject rate is at most the target, and no more conservative than one rank needs).
/// </summary>
public class ConformalThresholdTests(ITestOutputHelper output)
{
    [Fact]
    public void The_rank_is_the_conformal_quantile_and_too_few_images_are_refused_naming_how_many_are_needed()
    {
        Assert.Equal(19, ConformalThreshold.RankFor(19, 0.05)); // 20 x 0.95 is exactly 19, not 19.000000000000004
        Assert.Equal(20, ConformalThreshold.RankFor(20, 0.05));
        Assert.Equal(99, ConformalThreshold.RankFor(99, 0.01));
        Assert.Equal(99, ConformalThreshold.RankFor(98, 0.01)); // above n: no threshold meets 1 % with 98 images
        Assert.Equal((99, 19, 9, 4), (ConformalThreshold.GoodImagesNeeded(0.01), ConformalThreshold.GoodImagesNeeded(0.05),
            ConformalThreshold.GoodImagesNeeded(0.1), ConformalThreshold.GoodImagesNeeded(0.2)));

        // n = 5, target 0.34: k = ceil(6 x 0.66) = 4, the 4th smallest score, promising 1 - 4/6.
        var (threshold, rank, promised) = ConformalThreshold.Choose([5f, 1f, 4f, 2f, 3f], 0.34);
        Assert.Equal((4f, 4), (threshold, rank));
        Assert.Equal(1 - 4 / 6.0, promised, 12);

        var refused = Assert.Throws<DatasetException>(() => ConformalThreshold.Choose(new float[10], 0.05));
        Assert.Contains("needs at least 19 held-out good images", refused.Message);
        Assert.Contains("this line has 10", refused.Message);
        foreach (double bad in new[] { 0, -0.1, double.NaN, 0.6, 1 })
            Assert.Contains("false-reject rate target", Assert.Throws<ArgumentException>(() => ConformalThreshold.Choose([1f, 2f], bad)).Message);
    }

    [Fact]
    public void The_rate_at_any_threshold_counts_good_scores_at_or_below_it()
    {
        float[] good = [1f, 2f, 2f, 3f];
        Assert.Equal(1 / 5.0, ConformalThreshold.RateAt(3f, good), 12); // the highest good score: anomalib's threshold, 1/(n+1)
        Assert.Equal(1 - 3 / 5.0, ConformalThreshold.RateAt(2f, good), 12); // ties are at or below
        Assert.Equal(1.0, ConformalThreshold.RateAt(0.5f, good), 12);
        Assert.True(double.IsNaN(ConformalThreshold.RateAt(1f, [])));
    }

    /// <summary>
    /// Many lines, each with its own n held-out good scores and 20 new good frames, drawn from skewed distributions
    /// like anomaly scores. The measured share of new frames rejected must be within four standard errors of the
    /// promised rate 1 - k/(n+1), which is at most the target. The standard error counts both the draw of the held-out
    /// images (the rate of one line's threshold is Beta(n + 1 - k, k)) and the binomial draw of its frames.
    /// </summary>
    [Theory]
    [InlineData(20, 0.05, "lognormal")]
    [InlineData(50, 0.1, "exponential")]
    [InlineData(199, 0.01, "lognormal")]
    [InlineData(30, 0.2, "exponential")]
    [InlineData(76, 0.05, "lognormal")]
    public void Over_many_draws_the_false_reject_rate_is_at_most_the_target_and_close_to_what_is_promised(int n, double target, string distribution)
    {
        const int lines = 4000, framesPerLine = 20;
        var random = new Random(n * 1000 + (int)(target * 1000));
        Func<float> draw = distribution == "lognormal"
            ? () => (float)Math.Exp(0.4 * Normal(random) + 1)
            : () => (float)(-Math.Log(1 - random.NextDouble()) * 2 + 0.5);
        long rejected = 0;
        double promised = double.NaN;
        for (int line = 0; line < lines; line++)
        {
            var good = Enumerable.Range(0, n).Select(_ => draw()).ToArray();
            (float threshold, _, promised) = ConformalThreshold.Choose(good, target);
            for (int frame = 0; frame < framesPerLine; frame++) if (draw() > threshold) rejected++;
        }
        int k = ConformalThreshold.RankFor(n, target);
        double a = n + 1 - k, b = k;
        double lineVariance = a * b / ((a + b) * (a + b) * (a + b + 1));
        double meanOfRateTimesRest = a * b / ((a + b) * (a + b + 1)); // E[R (1 - R)] for R ~ Beta(a, b)
        double standardError = Math.Sqrt((lineVariance + meanOfRateTimesRest / framesPerLine) / lines);
        double measured = rejected / (double)(lines * framesPerLine);
        output.WriteLine($"n {n}, target {target}: k {k}, promised {promised:0.#####}, measured {measured:0.#####} (standard error {standardError:0.#####})");
        Assert.True(promised <= target + 1e-12, $"promised {promised} above the target {target}");
        Assert.True(Math.Abs(measured - promised) < 4 * standardError,
            $"measured false-reject rate {measured:0.#####} is not within 4 standard errors ({standardError:0.#####}) of the promised {promised:0.#####}");
        Assert.True(measured < target + 4 * standardError, $"measured {measured} above the target {target}");
    }

    /// <summary>A standard normal draw (Box-Muller).</summary>
    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
