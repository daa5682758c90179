namespace Inspection.Engine.Metrics;

/// <summary>
/// Shared input checks and the single sort that every threshold sweep starts from, so that AUROC, the ROC
/// curve and the F1 search agree exactly on how ties and invalid input are treated.
/// </summary>
internal static class ScoreOrdering
{
    /// <summary>
    /// Rejects input that would make a metric silently meaningless: mismatched lengths, nothing to rank,
    /// or NaN scores (NaN has no place in a ranking and would otherwise be sorted arbitrarily).
    /// </summary>
    public static void Validate(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        if (scores.Length != labels.Length)
        {
            throw new ArgumentException(
                $"scores has {scores.Length} elements but labels has {labels.Length}.", nameof(labels));
        }

        if (scores.IsEmpty)
        {
            throw new ArgumentException("At least one score is required.", nameof(scores));
        }

        ThrowOnNaN(scores, nameof(scores));
    }

    /// <summary>Fails loudly on NaN because a NaN anomaly score means an upstream bug, not a low score.</summary>
    public static void ThrowOnNaN(ReadOnlySpan<float> scores, string paramName)
    {
        for (int i = 0; i < scores.Length; i++)
        {
            if (float.IsNaN(scores[i]))
            {
                throw new ArgumentException($"Score at index {i} is NaN.", paramName);
            }
        }
    }

    /// <summary>
    /// Sorts the scores descending, carrying the labels along (one byte each, to keep the memory for tens of
    /// millions of pixels small). Keys are <see cref="DescendingRadixSort"/> keys: equal keys are tied scores.
    /// </summary>
    public static (uint[] Keys, bool[] Labels, long Positives) SortDescending(
        ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        var keys = new uint[scores.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = DescendingRadixSort.ToKey(scores[i]);
        }

        bool[] copiedLabels = labels.ToArray();
        long positives = 0;
        foreach (bool label in copiedLabels)
        {
            if (label)
            {
                positives++;
            }
        }

        (uint[] sortedKeys, bool[] sortedLabels) = DescendingRadixSort.Sort(keys, copiedLabels);
        return (sortedKeys, sortedLabels, positives);
    }
}
