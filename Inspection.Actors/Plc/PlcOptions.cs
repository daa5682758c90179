using System.Net;
using Akka.Actor;

namespace Inspection.Actors.Plc;

/// <summary>What a part that gets no verdict in time (or whose frame fails) means to the PLC: reject it, or hold it for a person.</summary>
public enum NoVerdictMeaning
{
    Ng,
    Hold,
}

/// <summary>
/// A camera the PLC triggers: its block in the register table is its place in <see cref="PlcOptions.Cameras"/>.
/// LineActor, when given, journals the camera's parts' timeout verdicts (<see cref="Messages.PartTimedOut"/>) for the line's sinks.
/// </summary>
public sealed record PlcCamera(string Line, string Camera, IActorRef CameraActor, IActorRef? LineActor = null);

/// <summary>The PLC handshake of an ingest node (<see cref="PlcActor"/>).</summary>
public sealed record PlcOptions
{
    /// <summary>Where the Modbus TCP server listens (port 502 is Modbus' own, and needs root); null: no Modbus server (MQTT triggers only).</summary>
    public IPEndPoint? Endpoint { get; init; }
    public required IReadOnlyList<PlcCamera> Cameras { get; init; }
    /// <summary>A part without a verdict this long after its trigger gets a timeout verdict.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMilliseconds(300);
    /// <summary>
    /// Parts a camera may have pending at once (triggered, no verdict yet): a line faster than one verdict's latency
    /// triggers the next part before the last one's verdict. A trigger beyond it is refused and counted.
    /// </summary>
    public int MaxPending { get; init; } = 4;
    /// <summary>The verdict a timeout, a failed frame or a part without a frame gets.</summary>
    public NoVerdictMeaning NoVerdict { get; init; } = NoVerdictMeaning.Ng;
    /// <summary>A PLC that has sent no request for this long is shown as silent.</summary>
    public TimeSpan SilentAfter { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>host:port of an MQTT broker whose trigger topics trigger parts and which gets every verdict (<see cref="MqttPlcBridge"/>); null: none.</summary>
    public (string Host, int Port)? Mqtt { get; init; }
    /// <summary>Actors told every verdict (<see cref="PartVerdict"/>), as the PLC gets it: the MQTT bridge publishes them.</summary>
    public IReadOnlyList<IActorRef> Listeners { get; init; } = [];
}

/// <summary>
/// A part's verdict as the PLC gets it: the part's id, OK, NG or hold, why (inspected, timeout, failed, no frame),
/// the normalised score (NaN without one), the reason when it was not inspected, the time from trigger to verdict, and
/// the stored result's id when there is one. Late: a result that came after the part's timeout verdict (told to
/// listeners, never to the PLC).
/// </summary>
public sealed record PartVerdict(string Line, string Camera, string Part, PlcVerdict Verdict, PlcResultCode Code, float Score, string? Reason,
    double Milliseconds, string? ResultId, bool Late = false);

/// <summary>
/// One camera's handshake counts: parts triggered, verdicts OK, NG and hold, timeouts (of those verdicts), failures
/// (a frame that could not be scored or never came), triggers refused while a part was pending, results that came
/// after their deadline (stored, never sent to the PLC), verdicts the PLC has not acknowledged (0 or 1), and the last
/// part's id.
/// </summary>
public sealed record PlcCameraStats(string Line, string Camera, long Parts, long Ok, long Ng, long Hold, long Timeouts, long Failures,
    long Refused, long Late, bool Busy, bool Unacknowledged, string? LastPart);

/// <summary>
/// The handshake's status: where its Modbus server listens (null: none), requests served, when the PLC last asked,
/// whether it is silent, each camera's counts, and the MQTT triggers' state (null: none).
/// </summary>
public sealed record PlcStats(string? Endpoint, long Requests, DateTimeOffset? LastRequestAt, bool Silent, IReadOnlyList<PlcCameraStats> Cameras,
    MqttPlcBridge.State? Mqtt = null);

public sealed class GetPlcStats
{
    public static readonly GetPlcStats Instance = new();
}
