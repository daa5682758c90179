namespace Inspection.Engine.Metrics;

/// <summary>
/// Sorts float scores in descending order with an LSD radix sort on their bit patterns. Evaluation sorts every
/// pixel of a test set (tens of millions of values), where a comparison sort dominates the run time; three
/// linear passes are several times faster and carry the per-pixel payload (label or region id) along.
/// </summary>
internal static class DescendingRadixSort
{
    private const int DigitBits = 11;
    private const int Buckets = 1 << DigitBits;
    private const uint DigitMask = Buckets - 1;

    /// <summary>
    /// Maps a non-NaN float to a key whose unsigned ascending order is the float's descending order.
    /// -0 and +0 map to the same key so that they form one threshold, as they compare equal.
    /// </summary>
    public static uint ToKey(float score)
    {
        uint bits = score == 0f ? 0u : BitConverter.SingleToUInt32Bits(score);
        uint ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ~ascending;
    }

    /// <summary>Recovers the score from <see cref="ToKey"/> so thresholds can be reported as floats.</summary>
    public static float FromKey(uint key)
    {
        uint ascending = ~key;
        uint bits = (ascending & 0x8000_0000u) != 0 ? ascending & 0x7FFF_FFFFu : ~ascending;
        return BitConverter.UInt32BitsToSingle(bits);
    }

    /// <summary>
    /// Sorts <paramref name="keys"/> ascending (scores descending), permuting <paramref name="items"/> alike.
    /// The sort is stable and may finish in the scratch buffers, so the sorted arrays are returned.
    /// </summary>
    public static (uint[] Keys, T[] Items) Sort<T>(uint[] keys, T[] items)
    {
        if (keys.Length != items.Length)
        {
            throw new ArgumentException("keys and items must have the same length.", nameof(items));
        }

        uint[] sourceKeys = keys;
        T[] sourceItems = items;
        uint[]? targetKeys = null;
        T[]? targetItems = null;
        var counts = new int[Buckets];
        for (int shift = 0; shift < 32; shift += DigitBits)
        {
            Array.Clear(counts);
            foreach (uint key in sourceKeys)
            {
                counts[(key >> shift) & DigitMask]++;
            }

            // A digit shared by every key (common in the high bits of scores in a narrow range) needs no pass.
            if (counts[(sourceKeys.Length == 0 ? 0 : sourceKeys[0] >> shift) & DigitMask] == sourceKeys.Length)
            {
                continue;
            }

            int offset = 0;
            for (int b = 0; b < Buckets; b++)
            {
                int count = counts[b];
                counts[b] = offset;
                offset += count;
            }

            targetKeys ??= new uint[keys.Length];
            targetItems ??= new T[items.Length];
            for (int i = 0; i < sourceKeys.Length; i++)
            {
                uint key = sourceKeys[i];
                int position = counts[(key >> shift) & DigitMask]++;
                targetKeys[position] = key;
                targetItems[position] = sourceItems[i];
            }

            (sourceKeys, targetKeys) = (targetKeys, sourceKeys);
            (sourceItems, targetItems) = (targetItems, sourceItems);
        }

        return (sourceKeys, sourceItems);
    }
}
