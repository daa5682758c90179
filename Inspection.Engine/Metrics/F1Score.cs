namespace Inspection.Engine.Metrics;

/// <summary>
/// The best achievable F1 and the threshold that achieves it, which is how anomalib picks the adaptive
/// decision threshold (F1AdaptiveThreshold) and reports F1Max.
/// </summary>
public static class F1Score
{
    /// <summary>
    /// Searches every distinct score as a threshold (a sample is positive when its score is at least the
    /// threshold) and returns the highest F1, matching torchmetrics' BinaryPrecisionRecallCurve followed by an
    /// argmax of F1. F1 is evaluated as 2·TP / (TP + FP + P), which is exact on integer counts.
    /// </summary>
    /// <param name="scores">Anomaly scores; higher means more anomalous. NaN is rejected.</param>
    /// <param name="labels">True for anomalous (positive) samples.</param>
    /// <returns>
    /// The maximum F1 and its threshold. When several thresholds reach the same F1 the lowest one is returned,
    /// as torch.argmax over anomalib's ascending thresholds does. When there are no positive labels F1 is
    /// undefined, so the result is (<see cref="double.NaN"/>, the maximum score): like anomalib, the threshold
    /// is then set so that only scores above anything seen in the (all-normal) data are flagged.
    /// </returns>
    /// <exception cref="ArgumentException">Lengths differ, the input is empty, or a score is NaN.</exception>
    public static (double F1, float Threshold) Max(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        ScoreOrdering.Validate(scores, labels);
        (uint[] keys, bool[] sorted, long positives) = ScoreOrdering.SortDescending(scores, labels);
        if (positives == 0)
        {
            return (double.NaN, DescendingRadixSort.FromKey(keys[0]));
        }

        long tp = 0;
        long fp = 0;
        double bestF1 = double.NegativeInfinity;
        uint bestThreshold = keys[0];
        int i = 0;
        while (i < keys.Length)
        {
            uint threshold = keys[i];
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

            double f1 = 2.0 * tp / (tp + fp + positives);

            // ">=" because thresholds descend here: a later tie is a lower threshold, which is what wins.
            if (f1 >= bestF1)
            {
                bestF1 = f1;
                bestThreshold = threshold;
            }
        }

        return (bestF1, DescendingRadixSort.FromKey(bestThreshold));
    }
}
