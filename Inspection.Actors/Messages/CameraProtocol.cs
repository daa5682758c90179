namespace Inspection.Actors.Messages;

/// <summary>
/// A file as a folder camera knows it: its name, length and last write time. A file written again under the same name
/// (a camera that overwrites "latest.png") is another frame; the same bytes seen again after a restart are not.
/// </summary>
public sealed record CameraFile(string Name, long Length, long WrittenTicks)
{
    public static CameraFile Of(FileInfo file) => new(file.Name, file.Length, file.LastWriteTimeUtc.Ticks);

    /// <summary>The client key the line remembers the frame's result under, so a re-offered file is not scored again.</summary>
    public string ClientKey(string camera) => $"file:{camera}/{Name}@{Length}/{WrittenTicks}";
}

/// <summary>Journal event: frame ids up to <see cref="UpTo"/> (exclusive) are taken; a restart continues from there.</summary>
public sealed record CameraFrameIdsReserved(long UpTo) : IEvent;

/// <summary>Journal event: the file has its stored result (scored or failed) and is not inspected again.</summary>
public sealed record CameraFileInspected(CameraFile File) : IEvent;

/// <summary>Snapshot: the frame ids taken, and the inspected files still in the folder.</summary>
public sealed record CameraState(long ReservedUpTo, IReadOnlyList<CameraFile> Inspected) : IEvent;

/// <summary>
/// What a node's cameras and PLC handshake are doing, published every few seconds on <see cref="Topic"/> for the API
/// nodes' camera list (GET /api/v1/cameras): each camera's counts and status, and the handshake's (null: none).
/// </summary>
public sealed record CameraReport(string Node, IReadOnlyList<CameraStats> Cameras, Inspection.Actors.Plc.PlcStats? Plc, DateTimeOffset At) : IAnswer
{
    public const string Topic = "camera-status";
}
