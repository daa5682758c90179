namespace Inspection.Engine.PatchCore;

/// <summary>
/// How a memory bank of <c>bankSize</c> rows is cut into <c>shards</c> contiguous slices: slice <c>s</c> holds global
/// rows <c>[bankSize * s / shards, bankSize * (s + 1) / shards)</c>, so slices differ by at most one row. The publisher
/// that stores a bank and the scorers that find a row's owner read the same bounds from here.
/// </summary>
public static class SliceBounds
{
    /// <summary>The first global row of slice <paramref name="index"/> (<paramref name="index"/> = shards gives the bank's end).</summary>
    public static long Start(long bankSize, int shards, int index)
    {
        if (shards < 1) throw new ArgumentOutOfRangeException(nameof(shards), $"Shard count {shards} is below 1.");
        if (index < 0 || index > shards) throw new ArgumentOutOfRangeException(nameof(index), $"Slice {index} is outside 0..{shards}.");
        return bankSize * index / shards;
    }

    /// <summary>Rows of slice <paramref name="index"/>.</summary>
    public static long Length(long bankSize, int shards, int index) => Start(bankSize, shards, index + 1) - Start(bankSize, shards, index);

    /// <summary>The slice that holds global row <paramref name="row"/>.</summary>
    public static int SliceOf(long bankSize, int shards, long row)
    {
        if (row < 0 || row >= bankSize) throw new ArgumentOutOfRangeException(nameof(row), $"Row {row} is outside the bank's 0..{bankSize - 1}.");
        int s = (int)Math.Min(shards - 1, row * shards / bankSize);
        while (s > 0 && row < Start(bankSize, shards, s)) s--;
        while (s < shards - 1 && row >= Start(bankSize, shards, s + 1)) s++;
        return s;
    }
}
