namespace Inspection.Actors.Results;

/// <summary>One result as retention sees it: its id, its images' overlay path (null: none kept), their bytes, when it completed.</summary>
public sealed record StoredFootprint(string Id, string? ImagesAt, long ImageBytes, DateTimeOffset CompletedAt)
{
    public long Bytes => ImageBytes + ResultStore.RowBytes;
}
