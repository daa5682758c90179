namespace Inspection.Engine.Metrics;

/// <summary>
/// The ROC curve itself, for plotting and for reading off operating points that the single AUROC number hides.
/// </summary>
public static class RocCurve
{
    /// <summary>
    /// Computes one ROC point per distinct score, a sample being predicted positive when its score is at least
    /// the threshold. Tied scores form a single point so the curve matches <see cref="Auroc"/> exactly.
    /// </summary>
    /// <param name="scores">Anomaly scores; higher means more anomalous. NaN is rejected.</param>
    /// <param name="labels">True for anomalous (positive) samples.</param>
    /// <returns>
    /// Arrays of equal length. Index 0 is the (0, 0) point with threshold <see cref="float.PositiveInfinity"/>
    /// (nothing flagged), so the curve can be drawn from the origin; the remaining thresholds are the distinct
    /// scores in descending order, the last one flagging everything. When a class is absent its rate is 0/0
    /// and is reported as <see cref="double.NaN"/> rather than an invented value.
    /// </returns>
    /// <exception cref="ArgumentException">Lengths differ, the input is empty, or a score is NaN.</exception>
    public static (double[] Fpr, double[] Tpr, float[] Thresholds) Compute(
        ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        ScoreOrdering.Validate(scores, labels);
        (uint[] keys, bool[] sorted, long positives) = ScoreOrdering.SortDescending(scores, labels);
        long negatives = keys.Length - positives;

        int distinct = 1;
        for (int k = 1; k < keys.Length; k++)
        {
            if (keys[k] != keys[k - 1])
            {
                distinct++;
            }
        }

        var fpr = new double[distinct + 1];
        var tpr = new double[distinct + 1];
        var thresholds = new float[distinct + 1];
        fpr[0] = negatives == 0 ? double.NaN : 0.0;
        tpr[0] = positives == 0 ? double.NaN : 0.0;
        thresholds[0] = float.PositiveInfinity;

        long tp = 0;
        long fp = 0;
        int point = 1;
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

            fpr[point] = (double)fp / negatives;
            tpr[point] = (double)tp / positives;
            thresholds[point] = DescendingRadixSort.FromKey(threshold);
            point++;
        }

        return (fpr, tpr, thresholds);
    }
}
