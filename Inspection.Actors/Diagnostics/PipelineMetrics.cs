using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Inspection.Actors.Diagnostics;

/// <summary>
/// The pipeline's own timings as <see cref="System.Diagnostics.Metrics"/> instruments of the meter
/// <see cref="MeterName"/>, so the bench can say where a frame's time goes and an operator can read them with any
/// metrics listener (OpenTelemetry, dotnet-counters) without code. Durations are in milliseconds and cover the work an
/// actor did for a message, not the time the message waited in its mailbox.
/// </summary>
public static class PipelineMetrics
{
    public const string MeterName = "Inspection.Pipeline";
    private static readonly Meter Meter = new(MeterName);

    // Listeners match instruments by these names, never by the fields below: a listener started before this class is
    // first used is called while the fields are still being assigned, and reading one from its callback would fail the
    // type's initialiser for the whole process.
    public const string ExtractionName = "inspection.extraction.duration";
    public const string SilentNodesName = "inspection.nodes.silent";
    public const string SinkDeliveriesName = "inspection.sink.deliveries";
    public const string SerializedBytesName = "inspection.serialized.bytes";

    /// <summary>Decoding and resizing one frame (tag <c>line</c>).</summary>
    public static readonly Histogram<double> Decode =
        Meter.CreateHistogram<double>("inspection.decode.duration", "ms", "Decoding and resizing one frame.");

    /// <summary>Backbone and embedding of one micro-batch (tags <c>line</c>, <c>frames</c>, <c>node</c>).</summary>
    public static readonly Histogram<double> Extraction =
        Meter.CreateHistogram<double>(ExtractionName, "ms", "Backbone and embedding of one micro-batch.");

    /// <summary>One shard request (tags <c>line</c>, <c>request</c>): nearest neighbours of a batch's patches, rows by index, or
    /// Eq. 7's support.</summary>
    public static readonly Histogram<double> ShardRequest =
        Meter.CreateHistogram<double>("inspection.shard.duration", "ms", "One request to a memory-bank shard.");

    /// <summary>The scorer's own work on a batch (tag <c>step</c>): merge (the shards' nearest neighbours), support (m* and the
    /// requests for its neighbours), results (Eq. 7 weights, anomaly maps, results sent).</summary>
    public static readonly Histogram<double> Scoring =
        Meter.CreateHistogram<double>("inspection.scoring.duration", "ms", "The scorer's own work on one batch.");

    /// <summary>From the scorer's scatter to its results, per batch (tag <c>line</c>): the shards' work plus every wait in between.</summary>
    public static readonly Histogram<double> Gather =
        Meter.CreateHistogram<double>("inspection.scoring.gather", "ms", "From scattering a batch to the shards to its results.");

    /// <summary>From a frame's result to its stored event in the SQLite or PostgreSQL journal (tag <c>line</c>).</summary>
    public static readonly Histogram<double> Persist =
        Meter.CreateHistogram<double>("inspection.persist.duration", "ms", "From a result to its stored event.");

    /// <summary>Keeping a scored frame's images on the line's node (tag <c>line</c>): the frame and its map, and the overlay and heatmap when drawn at once.</summary>
    public static readonly Histogram<double> ResultImages =
        Meter.CreateHistogram<double>("inspection.result_images.duration", "ms", "Keeping one scored frame's images.");

    /// <summary>Frames a line accepted (tag <c>line</c>): each gets exactly one result, scored or failed.</summary>
    public static readonly Counter<long> FramesAccepted =
        Meter.CreateCounter<long>("inspection.frames.accepted", "{frame}", "Frames a line accepted.");

    /// <summary>Frames a line refused because its in-flight limit was reached (tag <c>line</c>).</summary>
    public static readonly Counter<long> FramesDropped =
        Meter.CreateCounter<long>("inspection.frames.dropped", "{frame}", "Frames refused by a full line (back-pressure).");

    /// <summary>Frames a line took but could not store a result for (its database failed; tag <c>line</c>): their senders were told.</summary>
    public static readonly Counter<long> FramesLost =
        Meter.CreateCounter<long>("inspection.frames.lost", "{frame}", "Frames taken whose result the line's journal could not store; their senders were told to send them again.");

    /// <summary>Attempts made again because shards were unavailable or an attempt got no answer (tag <c>line</c>).</summary>
    public static readonly Counter<long> FramesRetried =
        Meter.CreateCounter<long>("inspection.frames.retried", "{attempt}", "Frame attempts made again within the frame deadline.");

    /// <summary>Copies of a query a shard had answered already, skipped (tags <c>line</c>, <c>request</c>): asked again while it was behind.</summary>
    public static readonly Counter<long> ShardRepeatsSkipped =
        Meter.CreateCounter<long>("inspection.shard.repeats_skipped", "{query}", "Copies of an answered query (asked again while the shard was behind) that a shard skipped.");

    /// <summary>Times a line passed over a gpu node that answered none of its overdue frames (tag <c>line</c>).</summary>
    public static readonly Counter<long> SilentNodes =
        Meter.CreateCounter<long>(SilentNodesName, "{event}", "Times a line passed over a gpu node that had answered none of its overdue frames.");

    /// <summary>Stored results (tags <c>line</c>, <c>verdict</c>: pass, fail or error).</summary>
    public static readonly Counter<long> Results =
        Meter.CreateCounter<long>("inspection.results", "{result}", "Stored results by verdict.");

    /// <summary>
    /// A shadow version's verdicts compared with the active version's on the same frames (tags <c>line</c>,
    /// <c>version</c>: the shadow's; <c>agreement</c>: both-pass, both-fail, pass-to-fail, fail-to-pass, error).
    /// </summary>
    public static readonly Counter<long> ShadowVerdicts =
        Meter.CreateCounter<long>("inspection.shadow.verdicts", "{frame}", "Shadow verdicts compared with the active verdicts of the same frames.");

    /// <summary>Results a sink delivered (tags <c>line</c>, <c>sink</c>: webhook or mqtt).</summary>
    public static readonly Counter<long> SinkDeliveries =
        Meter.CreateCounter<long>(SinkDeliveriesName, "{result}", "Results delivered by a result sink.");

    /// <summary>Failed delivery attempts of a sink (tags <c>line</c>, <c>sink</c>); each is retried with backoff.</summary>
    public static readonly Counter<long> SinkFailures =
        Meter.CreateCounter<long>("inspection.sink.failures", "{attempt}", "Failed delivery attempts of a result sink.");

    /// <summary>
    /// Bytes of Inspection messages serialised (tags <c>message</c>: the type's name; <c>node</c>: the serialising node): what crosses to other nodes, and the
    /// events written to the journal. A message within one node is not serialised, so a message type's figure is what
    /// that traffic costs the network.
    /// </summary>
    public static readonly Counter<long> SerializedBytes =
        Meter.CreateCounter<long>(SerializedBytesName, "By", "Bytes of Inspection messages serialised (to other nodes, or to the journal).");

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> InFlightByLine = new(StringComparer.Ordinal);

    /// <summary>Frames accepted and not yet answered, per line hosted on this node (the line's queue depth).</summary>
    public static readonly ObservableGauge<int> InFlight = Meter.CreateObservableGauge("inspection.line.in_flight",
        () => InFlightByLine.Select(p => new Measurement<int>(p.Value, new KeyValuePair<string, object?>("line", p.Key))),
        "{frame}", "Frames in flight per line.");

    public static void SetInFlight(string line, int count) => InFlightByLine[line] = count;

    /// <summary>Milliseconds since <paramref name="start"/> (a <see cref="Stopwatch.GetTimestamp"/> value).</summary>
    public static double Since(long start) => Stopwatch.GetElapsedTime(start).TotalMilliseconds;
}
