using Inspection.Actors.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Inspection.Host.Api;

/// <summary>Readiness of the node's data volumes: degraded above the high-water mark (no images kept), unhealthy above the hard limit (frames refused).</summary>
public static class DiskHealth
{
    public static HealthCheckResult Of(DiskStatus status) => status.Level switch
    {
        DiskLevel.Full => HealthCheckResult.Unhealthy(status.Reason),
        DiskLevel.ImagesStopped => HealthCheckResult.Degraded(status.Reason),
        _ => HealthCheckResult.Healthy(status.Spaces.Count == 0
            ? "the data volumes cannot be read; not watched"
            : string.Join("; ", status.Spaces.Select(s => $"{s.Volume} {s.Used:0.#%} used")) + " (space enough)"),
    };
}
