using Inspection.Engine.Data;

namespace Inspection.Engine.Metrics;

/// <summary>
/// A threshold with a stated false-reject rate, from held-out good scores only (split conformal prediction). A frame is
/// rejected when its score is above the threshold. If a new good frame's score and the n held-out good scores are
/// exchangeable, its rank among them is uniform, so it scores above the k-th smallest of them with probability at most
/// 1 - k/(n+1). The smallest k that keeps this at or below the target is ceil((n+1)(1 - target)); it exists only when
/// k &lt;= n, so a target needs at least ceil((1 - target)/target) good images (99 for 1 %, 19 for 5 %).
/// The rate is over the draw of the held-out images and the new frame; for one fixed set of held-out images the rate
/// varies around it (a Beta(n + 1 - k, k) distribution), the less the more images there are.
/// </summary>
public static class ConformalThreshold
{
    /// <summary>
    /// Targets are kept within these: one below the smallest would need more images than any line has, and a threshold
    /// that rejects more than half of the good parts is a mistake, not a policy.
    /// </summary>
    public const double SmallestTarget = 1e-6, LargestTarget = 0.5;

    /// <summary>The rank k (1-based, among n ascending good scores) of the smallest threshold meeting <paramref name="target"/>; above n when none does.</summary>
    public static int RankFor(int n, double target)
    {
        CheckTarget(target);
        // Rounded to 9 places before the ceiling so that, for example, 20 x 0.95 is 19 and not 19.000000000000004 -> 20.
        return (int)Math.Ceiling(Math.Round((n + 1) * (1 - target), 9));
    }

    /// <summary>Fewest held-out good images for which some threshold meets <paramref name="target"/>.</summary>
    public static int GoodImagesNeeded(double target)
    {
        CheckTarget(target);
        int n = (int)Math.Ceiling(Math.Round((1 - target) / target, 9));
        while (RankFor(n, target) > n) n++;
        return n;
    }

    /// <summary>The false-reject rate promised by the k-th smallest of n good scores as threshold: 1 - k/(n+1).</summary>
    public static double PromisedRate(int rank, int n) => 1 - rank / (n + 1.0);

    /// <summary>
    /// The false-reject rate a threshold promises on these good scores, whichever way it was chosen: 1 - k/(n+1) with k
    /// the good scores at or below it (the highest good score, anomalib's threshold without defects, promises 1/(n+1)).
    /// A threshold chosen with the defective images too (F1) carries no guarantee; this is then the estimate.
    /// </summary>
    public static double RateAt(float threshold, IReadOnlyCollection<float> goodScores) =>
        goodScores.Count == 0 ? double.NaN : PromisedRate(goodScores.Count(s => s <= threshold), goodScores.Count);

    /// <summary>
    /// The smallest threshold whose false-reject rate is at most <paramref name="target"/>: the k-th smallest good score.
    /// Refused with the number of images needed when there are too few.
    /// </summary>
    public static (float Threshold, int Rank, double Promised) Choose(IReadOnlyList<float> goodScores, double target)
    {
        int n = goodScores.Count;
        int rank = Require(n, target);
        if (goodScores.Any(float.IsNaN)) throw new ArgumentException("A held-out good score is NaN.");
        var sorted = goodScores.Order().ToArray();
        return (sorted[rank - 1], rank, PromisedRate(rank, n));
    }

    /// <summary>
    /// The rank of the threshold for <paramref name="target"/> among <paramref name="n"/> good scores; refused, with the
    /// number of good images needed, when there are too few. The count alone decides, so this can refuse before any scoring.
    /// </summary>
    public static int Require(int n, double target)
    {
        int rank = RankFor(n, target);
        if (rank > n)
            throw new DatasetException($"A false-reject rate of at most {target:0.####} needs at least {GoodImagesNeeded(target)} held-out good images; " +
                $"this line has {n}. Add good images (validation/good, or more train/good with a larger hold-out), or choose a larger target.");
        return rank;
    }

    /// <summary>Why <paramref name="target"/> cannot be a target (NaN included), or null.</summary>
    public static string? TargetProblem(double target) => target >= SmallestTarget && target <= LargestTarget
        ? null
        : $"a false-reject rate target must be from {SmallestTarget} to {LargestTarget} (for example 0.01 for 1 %); got {target}";

    /// <summary>Throws an <see cref="ArgumentException"/> with <see cref="TargetProblem"/> as a sentence when the target is out of range.</summary>
    public static void CheckTarget(double target)
    {
        if (TargetProblem(target) is string problem) throw new ArgumentException(char.ToUpperInvariant(problem[0]) + problem[1..] + ".");
    }
}
