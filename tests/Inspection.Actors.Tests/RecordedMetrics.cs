using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Inspection.Actors.Diagnostics;

namespace Inspection.Actors.Tests;

/// <summary>Every measurement the pipeline's meter records for one line while this is alive.</summary>
public sealed class RecordedMetrics : IDisposable
{
    public sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();

    public RecordedMetrics(string line)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PipelineMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            var map = new Dictionary<string, object?>();
            foreach (var tag in tags) map[tag.Key] = tag.Value;
            if (Equals(map.GetValueOrDefault("line"), line)) _measurements.Enqueue(new Measurement(instrument.Name, value, map));
        });
        _listener.Start();
    }

    public IReadOnlyList<Measurement> Of(string instrument) => _measurements.Where(m => m.Instrument == instrument).ToList();

    public void Dispose() => _listener.Dispose();
}
