using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Messages;
using Inspection.Actors.Registry;
using Inspection.Engine.Imaging;

namespace Inspection.Actors.Lines;

/// <summary>
/// One production line's intake: takes frames from its cameras while fewer than MaxInFlight are open (refusing the rest,
/// which the cameras count), sends them to feature extraction, and turns each answer into a stored result: persisted,
/// published on <see cref="ResultsTopic"/> and told to the camera. Every accepted frame gets exactly one result: scored,
/// or failed with a reason (unknown line, no model, corrupt image, a shard or node lost, no answer in time).
/// </summary>
public sealed class LineActor : ReceivePersistentActor, IWithTimers
{
    public const string ResultsTopic = "results";
    private readonly string _line;
    private readonly IActorRef _registry;
    private readonly IActorRef _extractors;
    private readonly LineOptions _options;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<FrameId, OpenFrame> _open = new();
    private ModelDeployment? _deployment;
    private string _missing = "the model registry has not answered yet";
    private long _accepted, _rejected, _scored, _failed;
    // Frames that arrived before the registry said whether this line has a model.
    private readonly List<CapturedFrame> _parked = [];
    private bool _registryAnswered;

    public ITimerScheduler Timers { get; set; } = null!;
    public override string PersistenceId => "line-results/" + _line;

    public LineActor(string line, IActorRef registry, IActorRef extractors, LineOptions options)
    {
        _line = line;
        _registry = registry;
        _extractors = extractors;
        _options = options;

        Recover<StoredResult>(Count);
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is LineCounters c) (_scored, _failed) = (c.Scored, c.Failed);
        });
        // Results stay in the journal (they are the line's history); the snapshot only shortens recovery.
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("Line {0}: counters not snapshotted: {1}", _line, f.Cause.Message));
        Command<CapturedFrame>(Take);
        Command<InspectionResult>(Complete);
        Command<ModelDeployment>(d => { if (d.Line == _line) Deploy(d); });
        Command<DeploymentChanged>(c => { if (c.Deployment.Line == _line) Deploy(c.Deployment); });
        Command<NoDeployment>(n =>
        {
            if (n.Line != _line) return;
            _missing = n.Reason;
            _registryAnswered = true;
            ReleaseParked();
        });
        Command<Status.Failure>(f =>
        {
            _missing = $"the model registry did not answer ({f.Cause.Message})";
            _registryAnswered = true;
            ReleaseParked();
        });
        Command<SweepOpenFrames>(_ => Sweep());
        Command<GetLineStats>(_ => Sender.Tell(new LineStats(_line, _deployment?.Version, _accepted, _rejected, _scored, _failed, _open.Count)));
        Command<SubscribeAck>(_ => { });
    }

    public static Props Props(string line, IActorRef registry, IActorRef extractors, LineOptions options) =>
        Akka.Actor.Props.Create(() => new LineActor(line, registry, extractors, options));

    protected override void PreStart()
    {
        base.PreStart();
        try { DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(ModelRegistryActor.Topic, Self)); }
        catch (Exception e) when (e is not OutOfMemoryException) { _log.Info("No distributed pub-sub: {0}", e.Message); }
        _registry.Ask<object>(new GetDeployment(_line), TimeSpan.FromSeconds(10)).PipeTo(Self);
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, _options.FrameTimeout.Ticks / 4));
        Timers.StartPeriodicTimer("sweep", new SweepOpenFrames(), period);
    }

    private void Take(CapturedFrame captured)
    {
        if (_open.Count >= _options.MaxInFlight)
        {
            _rejected++;
            Sender.Tell(new FrameRejected(captured.Frame, $"line '{_line}' has {_open.Count} frames in flight (limit {_options.MaxInFlight})"));
            return;
        }
        if (_open.ContainsKey(captured.Frame))
        {
            Sender.Tell(new FrameRejected(captured.Frame, $"frame {captured.Frame} is already being inspected"));
            return;
        }
        _accepted++;
        Sender.Tell(new FrameAccepted(captured.Frame));
        _open[captured.Frame] = new OpenFrame(captured, Sender, DateTime.UtcNow);
        if (_deployment == null && !_registryAnswered)
        {
            _parked.Add(captured);
            return;
        }
        Dispatch(captured);
    }

    private void Dispatch(CapturedFrame captured)
    {
        if (_deployment == null)
            Complete(InspectionResult.Failure(captured.Frame, "", _missing, 0));
        else
            _extractors.Tell(new ExtractFrames(_line, _deployment.Version, [captured]));
    }

    private void Deploy(ModelDeployment deployment)
    {
        _deployment = deployment;
        _registryAnswered = true;
        ReleaseParked();
    }

    private void ReleaseParked()
    {
        var parked = _parked.ToList();
        _parked.Clear();
        foreach (var frame in parked) Dispatch(frame);
    }

    private void Complete(InspectionResult result)
    {
        if (!_open.Remove(result.Frame, out var open)) return; // already failed by the sweep: one result per frame
        string? heatmap = null;
        if (!result.Failed && _options.HeatmapFolder != null && result.AnomalyMap != null && _deployment != null)
            heatmap = WriteHeatmap(open.Captured, result, _deployment);
        var stored = new StoredResult(result.Frame, open.Captured.Source, result.ModelVersion, result.Score, result.NormalisedScore, result.Defective,
            result.Error, (DateTime.UtcNow - open.Since).TotalMilliseconds, heatmap, DateTimeOffset.UtcNow);
        // PersistAsync: results are stored in order without stopping intake while the database writes.
        long started = Stopwatch.GetTimestamp();
        PersistAsync(stored, r =>
        {
            PipelineMetrics.Persist.Record(PipelineMetrics.Since(started), new KeyValuePair<string, object?>("line", _line));
            Count(r);
            // Every SnapshotEvery results the counters are snapshotted, so recovery does not replay every result.
            if (LastSequenceNr % _options.SnapshotEvery == 0) SaveSnapshot(new LineCounters(_scored, _failed));
            open.Camera.Tell(r);
            try { DistributedPubSub.Get(Context.System).Mediator.Tell(new Publish(ResultsTopic, r)); }
            catch (Exception e) when (e is not OutOfMemoryException) { _log.Debug("Result not published: {0}", e.Message); }
        });
    }

    /// <summary>Counters follow stored results only, so a snapshot never counts a result twice.</summary>
    private void Count(StoredResult r)
    {
        if (r.Error == null) _scored++; else _failed++;
    }

    private void Sweep()
    {
        var cutoff = DateTime.UtcNow - _options.FrameTimeout;
        foreach (var stale in _open.Values.Where(o => o.Since < cutoff).ToList())
            Complete(InspectionResult.Failure(stale.Captured.Frame, _deployment?.Version ?? "",
                $"no result within {_options.FrameTimeout.TotalSeconds:0.#} s (a feature-extraction or shard node may have been lost)",
                _options.FrameTimeout.TotalMilliseconds));
    }

    private string? WriteHeatmap(CapturedFrame captured, InspectionResult result, ModelDeployment d)
    {
        try
        {
            var calibration = d.Calibration();
            var map = result.AnomalyMap!.ToFloats().Select(calibration.NormalisePixel).ToArray();
            string path = Path.Combine(_options.HeatmapFolder!, _line, $"{result.Frame.Camera}-{result.Frame.Sequence:D8}.png");
            using var original = ImageDecoder.Decode(captured.Encoded, captured.Source);
            HeatmapRenderer.WriteOverlay(original, map, result.AnomalyMap.Columns, result.AnomalyMap.Rows, 0f, 1f, path);
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ImageReadException)
        {
            _log.Warning("Heatmap of {0} not written: {1}", result.Frame, e.Message);
            return null;
        }
    }

    private sealed record SweepOpenFrames;

    private sealed record OpenFrame(CapturedFrame Captured, IActorRef Camera, DateTime Since);
}
