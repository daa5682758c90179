namespace Inspection.Engine.Metrics;

/// <summary>
/// Area under the ROC curve, the threshold-free ranking quality that image- and pixel-level anomaly detection
/// results are usually reported with.
/// </summary>
public static class Auroc
{
    /// <summary>
    /// Computes the AUROC with ties handled exactly: tied scores form one threshold step, so the result equals
    /// the Mann-Whitney U statistic with tied (positive, negative) pairs counting 1/2. Runs in O(n log n) and
    /// sums integer counts, so it stays exact and fast on tens of millions of pixels.
    /// </summary>
    /// <param name="scores">Anomaly scores; higher means more anomalous. NaN is rejected.</param>
    /// <param name="labels">True for anomalous (positive) samples.</param>
    /// <returns>
    /// The AUROC in [0, 1], or <see cref="double.NaN"/> when only one class is present, because the ranking of
    /// positives against negatives is then undefined (reporting 0 or 1 would be a misleading number).
    /// </returns>
    /// <exception cref="ArgumentException">Lengths differ, the input is empty, or a score is NaN.</exception>
    public static double Compute(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        ScoreOrdering.Validate(scores, labels);
        (uint[] keys, bool[] sorted, long positives) = ScoreOrdering.SortDescending(scores, labels);
        long negatives = keys.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        // Twice the trapezoid area in (fp, tp) count space: sum of dFp * (tpBefore + tpAfter). This is an
        // integer bounded by 2 * P * N, which fits a long for any array .NET can hold.
        long tp = 0;
        long fp = 0;
        long doubledArea = 0;
        int i = 0;
        while (i < keys.Length)
        {
            uint threshold = keys[i];
            long tpBefore = tp;
            long fpBefore = fp;
            while (i < keys.Length && keys[i] == threshold)
            {
                if (sorted[i])
                {
                    tp++;
                }
                else
                {
                    fp++;
                }

                i++;
            }

            doubledArea += (fp - fpBefore) * (tp + tpBefore);
        }

        return doubledArea / (2.0 * positives * negatives);
    }
}
