using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Inspection.Actors.Diagnostics;

namespace Inspection.Actors.Tests;

/// <summary>The serializer's byte counter, for the nodes of one test (other tests' nodes in this process are left out).</summary>
public static class SerializedBytes
{
    /// <summary>Bytes these nodes' serializers wrote, by message type.</summary>
    public static ConcurrentDictionary<string, long> Count(HashSet<string> addresses, out MeterListener listener)
    {
        var bytes = new ConcurrentDictionary<string, long>();
        listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == PipelineMetrics.MeterName && instrument.Name == PipelineMetrics.SerializedBytesName) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? message = null, node = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "message") message = (string?)tag.Value;
                if (tag.Key == "node") node = (string?)tag.Value;
            }
            if (message != null && node != null && addresses.Contains(node)) bytes.AddOrUpdate(message, value, (_, v) => v + value);
        });
        listener.Start();
        return bytes;
    }
}
