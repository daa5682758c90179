namespace Inspection.Host.Api;

/// <summary>
/// One camera as its node last reported it: what it reads, whether it is connected, frames/s over the last 5 s, its
/// last frame, last error and reconnects, its counts, when it was reported (stale: not for over 10 s) and, when a PLC
/// triggers it, its register block and handshake counts.
/// </summary>
public sealed record CameraView(string Line, string Camera, string Node, string? Source, bool Connected, double FramesPerSecond, DateTimeOffset? LastFrameAt,
    string? LastError, long Reconnects, long Captured, long Accepted, long Dropped, long Results, long Failed, DateTimeOffset ReportedAt, bool Stale,
    CameraPlcView? Plc);

/// <summary>A camera's PLC handshake: its register block and its parts, verdicts, timeouts, refusals and late results.</summary>
public sealed record CameraPlcView(int Block, long Parts, long Ok, long Ng, long Hold, long Timeouts, long Failures, long Refused, long Late, bool Busy,
    string? LastPart);

/// <summary>A node's PLC handshake: its Modbus server, requests served, when the PLC last asked, whether it is silent, its MQTT triggers.</summary>
public sealed record PlcView(string Node, string? Endpoint, long Requests, DateTimeOffset? LastRequestAt, bool Silent, string? Mqtt);

/// <summary>GET /api/v1/cameras: every camera of the cluster, and every PLC handshake.</summary>
public sealed record CameraListView(IReadOnlyList<CameraView> Items, IReadOnlyList<PlcView> Plcs);
