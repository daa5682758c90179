namespace Inspection.Actors.Results;

/// <summary>A line's results kept in the result store, and the bytes their images take on the gpu nodes' disks.</summary>
public sealed record StoredUsage(long Results, long ImageBytes)
{
    /// <summary>What retention counts against the line's size limit.</summary>
    public long Bytes => ImageBytes + Results * ResultStore.RowBytes;
}
