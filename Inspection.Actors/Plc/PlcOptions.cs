using System.Net;
using Akka.Actor;

namespace Inspection.Actors.Plc;

/// <summary>What a part that gets no verdict in time (or whose frame fails) means to the PLC: reject it, or hold it for a person.</summary>
public enum NoVerdictMeaning
{
    Ng,
    Hold,
}

/// <summary>A camera the PLC triggers: its block in the register table is its place in <see cref="PlcOptions.Cameras"/>.</summary>
public sealed record PlcCamera(string Line, string Camera, IActorRef CameraActor);

/// <summary>The PLC handshake of an ingest node (<see cref="PlcActor"/>).</summary>
public sealed record PlcOptions
{
    /// <summary>Where the Modbus TCP server listens (port 502 is Modbus' own, and needs root).</summary>
    public required IPEndPoint Endpoint { get; init; }
    public required IReadOnlyList<PlcCamera> Cameras { get; init; }
    /// <summary>A part without a verdict this long after its trigger gets a timeout verdict.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMilliseconds(300);
    /// <summary>The verdict a timeout, a failed frame or a part without a frame gets.</summary>
    public NoVerdictMeaning NoVerdict { get; init; } = NoVerdictMeaning.Ng;
    /// <summary>A PLC that has sent no request for this long is shown as silent.</summary>
    public TimeSpan SilentAfter { get; init; } = TimeSpan.FromSeconds(3);
}

/// <summary>
/// One camera's handshake counts: parts triggered, verdicts OK, NG and hold, timeouts (of those verdicts), failures
/// (a frame that could not be scored or never came), triggers refused while a part was pending, results that came
/// after their deadline (stored, never sent to the PLC), verdicts the PLC has not acknowledged (0 or 1), and the last
/// part's id.
/// </summary>
public sealed record PlcCameraStats(string Line, string Camera, long Parts, long Ok, long Ng, long Hold, long Timeouts, long Failures,
    long Refused, long Late, bool Busy, bool Unacknowledged, string? LastPart);

/// <summary>The handshake's status: where it listens, requests served, when the PLC last asked, whether it is silent, and each camera's counts.</summary>
public sealed record PlcStats(string Endpoint, long Requests, DateTimeOffset? LastRequestAt, bool Silent, IReadOnlyList<PlcCameraStats> Cameras);

public sealed class GetPlcStats
{
    public static readonly GetPlcStats Instance = new();
}
