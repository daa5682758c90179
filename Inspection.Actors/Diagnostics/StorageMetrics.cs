using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Inspection.Actors.Diagnostics;

/// <summary>
/// What a node keeps and what retention removed, per line (tag <c>line</c>; removals also <c>reason</c>: age or size),
/// on the pipeline's meter (<see cref="PipelineMetrics.MeterName"/>).
/// </summary>
public static class StorageMetrics
{
    private static readonly Meter Meter = new(PipelineMetrics.MeterName);
    private static readonly ConcurrentDictionary<string, (long Results, long Bytes)> KeptByLine = new(StringComparer.Ordinal);

    public static readonly Counter<long> RemovedResults =
        Meter.CreateCounter<long>("inspection.retention.removed", "{result}", "Results removed by retention (rows, images and their journal events).");

    public static readonly Counter<long> RemovedBytes =
        Meter.CreateCounter<long>("inspection.retention.removed.bytes", "By", "Bytes retention removed (images and rows).");

    public static readonly ObservableGauge<long> KeptResults = Meter.CreateObservableGauge("inspection.retention.kept",
        () => KeptByLine.Select(p => new Measurement<long>(p.Value.Results, new KeyValuePair<string, object?>("line", p.Key))),
        "{result}", "Results a line keeps (in this node's result store).");

    public static readonly ObservableGauge<long> KeptBytes = Meter.CreateObservableGauge("inspection.retention.kept.bytes",
        () => KeptByLine.Select(p => new Measurement<long>(p.Value.Bytes, new KeyValuePair<string, object?>("line", p.Key))),
        "By", "Bytes a line keeps: its images on the gpu nodes and its rows, as retention counts them.");

    public static void SetKept(string line, long results, long bytes) => KeptByLine[line] = (results, bytes);

    public static void Forget(string line) => KeptByLine.TryRemove(line, out _);
}
