using Microsoft.AspNetCore.Http.HttpResults;

namespace Inspection.Host.Api;

/// <summary>GET /api/v1/cameras: the cameras of every node (serve --camera) and their PLC handshakes, as last reported.</summary>
public static class CameraRoutes
{
    /// <summary>A node reports every 2 s; one not heard of for longer than this is shown as stale.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(10);

    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/cameras", Get).WithTags("Cameras")
            .WithSummary("Every camera: source, connected, frames/s, last frame, last error, reconnects, counts, its PLC block and handshake counts; every PLC handshake.");

    private static Ok<CameraListView> Get(CameraStatuses statuses, string? line)
    {
        var now = DateTimeOffset.UtcNow;
        var cameras = new List<CameraView>();
        var plcs = new List<PlcView>();
        foreach (var report in statuses.Reports)
        {
            bool stale = now - report.At > StaleAfter;
            foreach (var c in report.Cameras.Where(c => line == null || c.Line == line))
            {
                int block = report.Plc?.Cameras.ToList().FindIndex(p => p.Line == c.Line && p.Camera == c.Camera) ?? -1;
                var plc = block >= 0 && report.Plc!.Cameras[block] is var p
                    ? new CameraPlcView(block, p.Parts, p.Ok, p.Ng, p.Hold, p.Timeouts, p.Failures, p.Refused, p.Late, p.Busy, p.LastPart) : null;
                cameras.Add(new CameraView(c.Line, c.Camera, report.Node, c.Source, c.Connected && !stale, Math.Round(c.FramesPerSecond, 2), c.LastFrameAt, c.LastError,
                    c.Reconnects, c.Captured, c.Accepted, c.Dropped, c.Results, c.Failed, report.At, stale, plc));
            }
            if (report.Plc is { } handshake)
                plcs.Add(new PlcView(report.Node, handshake.Endpoint, handshake.Requests, handshake.LastRequestAt, handshake.Silent || stale, handshake.Mqtt?.Text));
        }
        return TypedResults.Ok(new CameraListView([.. cameras.OrderBy(c => c.Line, StringComparer.Ordinal).ThenBy(c => c.Camera, StringComparer.Ordinal)], plcs));
    }
}
