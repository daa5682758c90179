namespace Inspection.Actors.Storage;

/// <summary>The node's data volumes as last read: the level, why (null when Ok) and each folder's volume.</summary>
public sealed record DiskStatus(DiskLevel Level, string? Reason, IReadOnlyList<DiskSpace> Spaces)
{
    public static readonly DiskStatus Unknown = new(DiskLevel.Ok, null, []);
}
