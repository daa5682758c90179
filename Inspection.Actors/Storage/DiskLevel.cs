namespace Inspection.Actors.Storage;

/// <summary>How full a node's data volumes are, against its marks (<see cref="DiskGuard"/>).</summary>
public enum DiskLevel
{
    Ok = 0,
    ImagesStopped = 1,
    Full = 2,
}
