using System.Diagnostics.Metrics;
using Inspection.Actors.Diagnostics;

namespace Inspection.Host.Cli;

/// <summary>
/// Collects the pipeline's own timings (<see cref="PipelineMetrics"/>) while the bench drives frames through it, and
/// sums them per stage: how often each ran, its p50/p99, and its milliseconds per frame. Stages that run at the same time
/// on different threads can add up to more than the wall-clock time per frame. Only the named line's measurements count
/// (every instrument carries a <c>line</c> tag), so other pipelines in the same process do not mix in.
/// </summary>
public sealed class PipelineStages : IDisposable
{
    public sealed record Stage(string Name, int Calls, double P50Ms, double P99Ms, double TotalMs, double MsPerFrame);

    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, List<double>> _values = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly string _line;

    public PipelineStages(string line)
    {
        _line = line;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PipelineMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.Start();
    }

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        bool ours = false;
        foreach (var tag in tags) ours |= tag.Key == "line" && Equals(tag.Value, _line);
        if (!ours) return;
        string name = StageName(instrument.Name, tags);
        lock (_gate)
        {
            if (!_values.TryGetValue(name, out var list)) _values[name] = list = [];
            list.Add(value);
        }
    }

    /// <summary>Short stage names: the instrument's middle word, and the kind of request or step where it has one.</summary>
    private static string StageName(string instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string name = instrument.Replace("inspection.", "").Replace(".duration", "");
        foreach (var tag in tags)
            if (tag.Key is "request" or "step") name += " " + tag.Value;
        return name;
    }

    /// <summary>Forgets what was measured so far (the warm-up).</summary>
    public void Reset()
    {
        lock (_gate) _values.Clear();
    }

    /// <summary>Every stage measured since the last <see cref="Reset"/>, in pipeline order.</summary>
    public IReadOnlyList<Stage> Summarise(int frames)
    {
        lock (_gate)
            return _values.OrderBy(kv => Order(kv.Key)).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv =>
            {
                var (p50, p99) = Latencies.Percentiles(kv.Value);
                double total = kv.Value.Sum();
                return new Stage(kv.Key, kv.Value.Count, p50, p99, total, total / frames);
            }).ToList();
    }

    private static readonly string[] Sequence = ["decode", "extraction", "shard", "scoring ", "scoring.gather", "persist"];

    private static int Order(string stage)
    {
        int index = Array.FindIndex(Sequence, s => stage.StartsWith(s, StringComparison.Ordinal));
        return index >= 0 ? index : Sequence.Length;
    }

    public void Dispose() => _listener.Dispose();
}
