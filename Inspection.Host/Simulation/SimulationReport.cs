using System.Globalization;
using System.Text;

namespace Inspection.Host.Simulation;

/// <summary>
/// What became of one line's frames: every captured frame was accepted or dropped (refused under back-pressure), and
/// every accepted one scored, failed explicitly, or lost (no result at all: must be 0). Latency is from the line's
/// receipt of a frame to its stored result; the longest shows what the frames caught by a fault waited.
/// </summary>
public sealed record LineReport(string Line, int Cameras, long Captured, long Accepted, long Scored, long Failed, long Dropped, long Lost,
    double P50Ms, double P99Ms, double MaxMs);

/// <summary>A fault as applied, Seconds after the cameras started; Error when it could not be.</summary>
public sealed record FaultRecord(double Seconds, string Fault, string? Error);

public sealed record SimulationReport(string Scenario, int GpuNodes, double CaptureSeconds, double ElapsedSeconds, IReadOnlyList<LineReport> Lines,
    IReadOnlyList<FaultRecord> Faults)
{
    /// <summary>No frame lost and every fault applied.</summary>
    public bool Passed => Lines.All(l => l.Lost == 0) && Faults.All(f => f.Error == null);

    public string ToText()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"scenario {Scenario}: {GpuNodes} gpu node(s), cameras for {CaptureSeconds:F0} s, {ElapsedSeconds:F1} s in all");
        foreach (var f in Faults) text.AppendLine(c, $"  {f.Seconds,6:F1} s  {f.Fault}{(f.Error is null ? "" : $"  FAILED: {f.Error}")}");
        text.AppendLine("line            cameras  captured  accepted    scored    failed   dropped      lost   p50 ms   p99 ms   max ms");
        foreach (var l in Lines)
            text.AppendLine(c, $"{l.Line,-15} {l.Cameras,7} {l.Captured,9} {l.Accepted,9} {l.Scored,9} {l.Failed,9} {l.Dropped,9} {l.Lost,9} {l.P50Ms,8:F0} {l.P99Ms,8:F0} {l.MaxMs,8:F0}");
        text.Append(Passed ? "passed: no frame lost" : Lines.Any(l => l.Lost > 0) ? "FAILED: frames were lost" : "FAILED: a fault could not be applied");
        return text.ToString();
    }
}
