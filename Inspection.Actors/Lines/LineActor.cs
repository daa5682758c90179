using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Messages;
using Inspection.Actors.Scoring;
using Inspection.Actors.Registry;
using Inspection.Actors.Results;
using Inspection.Actors.Shards;
using Inspection.Actors.Sinks;
using Inspection.Actors.Hosting;
using Inspection.Engine.Imaging;

namespace Inspection.Actors.Lines;

/// <summary>
/// One production line's intake: takes frames from its cameras while fewer than MaxInFlight are open (refusing the rest,
/// which the cameras count), sends them to feature extraction, and turns each answer into a stored result: persisted,
/// published on <see cref="ResultsTopic"/> and told to the camera. Every accepted frame gets exactly one result: scored,
/// or failed with a reason (unknown line, no model, corrupt image, a shard or node lost, no answer in time). A frame
/// that repeats a client key (an HTTP retry) gets the first frame's result and is not scored again. Verdicts follow the
/// line's current threshold, which an operator may have changed since the model was trained. A frame whose aspect is far
/// from the training images' is scored with a warning, or refused where the line's settings say so.
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
    private long _accepted, _rejected, _scored, _failed, _flagged;
    // Client keys of open frames, and of recent results (oldest first in _recentOrder) for retries after completion.
    private readonly Dictionary<string, FrameId> _openKeys = new(StringComparer.Ordinal);
    // Client keys of frames whose result is being written: a retry then waits for that write, not for a second scoring.
    private readonly Dictionary<string, OpenFrame> _persisting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoredResult> _recent = new(StringComparer.Ordinal);
    private readonly Queue<string> _recentOrder = new();
    private readonly List<StoredResult> _replayed = [];
    // Null: frames go to the extractors' router (a line without a replica directory, as in tests with a probe).
    private readonly ExtractorRoute? _route;
    private readonly Dictionary<Address, ActorSelection> _extractorAt = new();
    // When each gpu node last answered one of this line's frames, and the usual time from attempt to answer: a node
    // with frames overdue that has been silent for longer is passed over (see LineOptions.SilentNodeAfter).
    private readonly Dictionary<Address, DateTime> _answeredAt = new();
    private double _usualAttemptMs;
    private Address? _self;
    // Frames that arrived before the registry said whether this line has a model.
    private readonly List<CapturedFrame> _parked = [];
    private bool _registryAnswered;
    private LineSettings? _settings; // as last read from the registry: whether frames of a far aspect are refused
    private bool _settingsRead;

    public ITimerScheduler Timers { get; set; } = null!;
    public override string PersistenceId => PersistenceIdOf(_line);

    /// <summary>The journal of a line's results (read by its result sinks).</summary>
    public static string PersistenceIdOf(string line) => "line-results/" + line;

    public LineActor(string line, IActorRef registry, IActorRef extractors, LineOptions options)
    {
        _line = line;
        _registry = registry;
        _extractors = extractors;
        _options = options;
        if (options.Directory != null && options.RouteToBank) _route = new ExtractorRoute(line, options.RouteFill);

        Recover<StoredResult>(r =>
        {
            Count(r);
            Remember(r);
            if (_options.Index != null) _replayed.Add(r);
        });
        // Results replayed since the last snapshot are offered to the index again (it keeps one row per id), so one
        // stored just before a crash, and not yet indexed, becomes queryable.
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var r in _replayed) _options.Index!.Tell(new IndexResult(r, []));
            _replayed.Clear();
        });
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is LineCounters c) (_scored, _failed, _flagged) = (c.Scored, c.Failed, c.Flagged);
        });
        // Results stay in the journal (they are the line's history); the snapshot only shortens recovery.
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("Line {0}: counters not snapshotted: {1}", _line, f.Cause.Message));
        Command<CapturedFrame>(Take);
        Command<InspectionResult>(r =>
        {
            Answered(Sender);
            Complete(r);
        });
        Command<WatchTick>(_ => WatchNodes());
        Command<ModelDeployment>(d => { if (d.Line == _line) Deploy(d); });
        Command<DeploymentChanged>(c => { if (c.Deployment.Line == _line) Deploy(c.Deployment); });
        Command<LineDeleted>(d =>
        {
            if (d.Line != _line) return;
            _deployment = null;
            _missing = $"line '{_line}' was deleted";
            StartSinks(null);
        });
        Command<LineDetails>(d =>
        {
            if (d.Line != _line) return;
            if (d.Known) StartSinks(d.Settings);
            _settingsRead = true;
            ReleaseParked();
        });
        Command<LineConfigured>(c => { if (c.Line == _line) StartSinks(c.Settings); });
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
        // A gpu node found unreachable may hold attempts of open frames, whose answers will never come: they are made
        // again soon (once the extractors' router has dropped that node) instead of at their attempt timeout.
        Command<ClusterEvent.UnreachableMember>(u =>
        {
            if (!u.Member.HasRole("gpu")) return;
            if (_route == null)
            {
                Timers.StartSingleTimer(("lost", u.Member.Address), new RedispatchSince(DateTime.UtcNow), LostNodeGrace);
                return;
            }
            // This line routes its frames itself, so it knows which attempts went there, and sends them elsewhere now.
            _route.Unreachable(u.Member.Address);
            foreach (var open in _open.Values.Where(o => !o.RetryPending && o.Node == u.Member.Address && _deployment != null).ToList())
                Redispatch(open.Captured.Frame);
        });
        Command<ClusterEvent.ReachableMember>(r => { if (r.Member.HasRole("gpu")) _route?.Reachable(r.Member.Address); });
        Command<ClusterEvent.MemberUp>(u => { if (u.Member.HasRole("gpu")) _route?.Up(u.Member.Address); });
        Command<ClusterEvent.MemberRemoved>(r =>
        {
            _route?.Removed(r.Member.Address);
            _answeredAt.Remove(r.Member.Address);
        });
        Command<ReplicaDirectoryActor.Locations>(l => _route?.Locations(l.Entities));
        Command<ClusterEvent.IClusterDomainEvent>(_ => { });
        Command<RedispatchSince>(r =>
        {
            foreach (var open in _open.Values.Where(o => !o.RetryPending && o.AttemptSince <= r.Before && _deployment != null).ToList())
                Redispatch(open.Captured.Frame);
        });
        Command<RetryFrame>(r => Redispatch(r.Frame));
        Command<GetLineStats>(_ => Sender.Tell(new LineStats(_line, _deployment?.Version, _accepted, _rejected, _scored, _failed, _open.Count, _flagged)));
        Command<SubscribeAck>(_ => { });
        Command<SettingsUnknown>(_ =>
        {
            _log.Warning("Line {0}: its settings could not be read from the registry; result sinks start when they change", _line);
            _settingsRead = true;
            ReleaseParked();
        });
    }

    public static Props Props(string line, IActorRef registry, IActorRef extractors, LineOptions options) =>
        Akka.Actor.Props.Create(() => new LineActor(line, registry, extractors, options));

    protected override void PreStart()
    {
        base.PreStart();
        try { DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(ModelRegistryActor.Topic, Self)); }
        catch (Exception e) when (e is not OutOfMemoryException) { _log.Info("No distributed pub-sub: {0}", e.Message); }
        _registry.Ask<object>(new GetDeployment(_line), TimeSpan.FromSeconds(10)).PipeTo(Self);
        // The line's settings say where its results go (webhook, MQTT); a failed ask leaves the sinks as they are.
        _registry.Ask<LineDetails>(new GetLine(_line), TimeSpan.FromSeconds(10))
            .ContinueWith(t => t.IsCompletedSuccessfully ? (object)t.Result : new SettingsUnknown()).PipeTo(Self);
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, _options.FrameTimeout.Ticks / 4));
        Timers.StartPeriodicTimer("sweep", new SweepOpenFrames(), period);
        if (_route != null && _options.SilentNodeAfter > TimeSpan.Zero)
            Timers.StartPeriodicTimer("watch", new WatchTick(), TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, _options.SilentNodeAfter.Ticks / 6)));
        if (Context.System is ExtendedActorSystem { Provider: Akka.Cluster.ClusterActorRefProvider })
        {
            _self = Cluster.Get(Context.System).SelfAddress;
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));
        }
        _options.Directory?.Tell(ReplicaDirectoryActor.Subscribe.Instance);
    }

    private void Take(CapturedFrame captured)
    {
        if (captured.ClientKey is { } key && Repeat(captured, key)) return;
        if (_open.Count >= _options.MaxInFlight)
        {
            _rejected++;
            PipelineMetrics.FramesDropped.Add(1, new KeyValuePair<string, object?>("line", _line));
            Sender.Tell(new FrameRejected(captured.Frame, $"line '{_line}' has {_open.Count} frames in flight (limit {_options.MaxInFlight})"));
            return;
        }
        if (_open.ContainsKey(captured.Frame))
        {
            Sender.Tell(new FrameRejected(captured.Frame, $"frame {captured.Frame} is already being inspected"));
            return;
        }
        _accepted++;
        PipelineMetrics.FramesAccepted.Add(1, new KeyValuePair<string, object?>("line", _line));
        if (captured.ResultId == null) captured = captured with { ResultId = Guid.CreateVersion7().ToString("N") };
        Sender.Tell(new FrameAccepted(captured.Frame, captured.ResultId));
        _open[captured.Frame] = new OpenFrame(captured, [Sender], DateTime.UtcNow, DateTimeOffset.UtcNow);
        if (captured.ClientKey != null) _openKeys[captured.ClientKey] = captured.Frame;
        PipelineMetrics.SetInFlight(_line, _open.Count);
        if (!Ready)
        {
            _parked.Add(captured);
            return;
        }
        Dispatch(captured);
    }

    /// <summary>A frame whose client key is open or answered: the sender waits for, or gets, that frame's result.</summary>
    private bool Repeat(CapturedFrame captured, string key)
    {
        if (_recent.TryGetValue(key, out var done))
        {
            Sender.Tell(new FrameAccepted(captured.Frame, done.ResultId));
            Sender.Tell(done);
            return true;
        }
        if ((_openKeys.TryGetValue(key, out var frame) && _open.TryGetValue(frame, out var open)) || _persisting.TryGetValue(key, out open))
        {
            Sender.Tell(new FrameAccepted(captured.Frame, open.Captured.ResultId));
            open.Waiters.Add(Sender);
            return true;
        }
        return false;
    }

    private void Remember(StoredResult r)
    {
        if (r.ClientKey == null || _options.RememberedKeys <= 0 || !_recent.TryAdd(r.ClientKey, r)) return;
        _recentOrder.Enqueue(r.ClientKey);
        while (_recentOrder.Count > _options.RememberedKeys) _recent.Remove(_recentOrder.Dequeue());
    }

    private void Dispatch(CapturedFrame captured)
    {
        if (_deployment == null)
            Complete(InspectionResult.Failure(captured.Frame, "", _missing, 0));
        else
        {
            var open = _open.GetValueOrDefault(captured.Frame);
            // A tiled line cuts frames at their own size, so their aspect does not matter.
            if (open is { Attempts: 0 } && !_deployment.Tiled && Engine.Imaging.AutoImageSize.Mismatch(_deployment.TrainingAspect, captured.Encoded) is { } mismatch)
            {
                if (_settings?.RefuseAspectMismatch == true)
                {
                    Complete(InspectionResult.Failure(captured.Frame, _deployment.Version, $"refused: {mismatch} (the line refuses such frames)", 0));
                    return;
                }
                open.Warning = mismatch;
            }
            if (open is { Attempts: 0 }) open.Scale = FrameTimeScale.Of(_deployment, captured.Encoded, _options.TilesPerTimeout);
            var request = new ExtractFrames(_line, _deployment.Version, [captured]);
            var node = _route?.Pick(_deployment, OpenAt);
            if (open != null)
            {
                open.AttemptSince = DateTime.UtcNow;
                open.Node = node;
            }
            if (node == null) _extractors.Tell(request);
            else ExtractorAt(node).Tell(request);
        }
    }

    /// <summary>An answer from <paramref name="sender"/>'s node (a scorer, or the extractor for a frame it could not decode).</summary>
    private void Answered(IActorRef sender)
    {
        if (_route == null) return;
        var node = sender.Path.Address.HasGlobalScope ? sender.Path.Address : _self;
        if (node == null) return;
        _answeredAt[node] = DateTime.UtcNow;
        if (!_route.IsSilent(node)) return;
        _route.Answered(node);
        _log.Info("Line {0}: gpu node {1} answers again and takes frames again", _line, node);
    }

    /// <summary>
    /// Passes over a gpu node whose attempts are overdue and that has answered none for as long (a node that died but
    /// is not yet found unreachable, which takes the failure detector 8 s or more): its frames are made again on
    /// another gpu node now (one holding the most of the bank among the rest). Its late answers, if it was only slow, are
    /// ignored (one result per frame).
    /// </summary>
    private void WatchNodes()
    {
        if (_route == null || _deployment == null) return;
        var now = DateTime.UtcNow;
        var limit = TimeSpan.FromMilliseconds(Math.Min(_options.AttemptTimeout.TotalMilliseconds,
            Math.Max(_options.SilentNodeAfter.TotalMilliseconds, 4 * _usualAttemptMs)));
        foreach (var group in _open.Values.Where(o => !o.RetryPending && o.Node != null).GroupBy(o => o.Node!).ToList())
        {
            var node = group.Key;
            var allowed = limit * group.Max(o => o.Scale);
            if (now - group.Min(o => o.AttemptSince) < allowed) continue;
            if (_answeredAt.TryGetValue(node, out var last) && now - last < allowed) continue;
            if (!_route.Silence(_deployment, node)) continue;
            _log.Warning("Line {0}: gpu node {1} has answered none of its {2} open frame(s) for {3:F1} s; they go to another gpu node",
                _line, node, group.Count(), allowed.TotalSeconds);
            PipelineMetrics.SilentNodes.Add(1, new KeyValuePair<string, object?>("line", _line));
            foreach (var open in group.ToList()) Redispatch(open.Captured.Frame);
        }
    }

    private int OpenAt(Address node)
    {
        int open = 0;
        foreach (var o in _open.Values)
            if (o.Node == node && !o.RetryPending) open++;
        return open;
    }

    private ActorSelection ExtractorAt(Address node)
    {
        if (!_extractorAt.TryGetValue(node, out var extractor))
            _extractorAt[node] = extractor = Context.ActorSelection(new RootActorPath(node) / "user" / InspectionNodeHosting.FeatureExtractorPath);
        return extractor;
    }

    /// <summary>
    /// Tries a frame again after a failure of the cluster's (not of the frame), if its deadline leaves time: a shard
    /// that was lost restarts on another node within seconds. Only the first result to arrive is stored.
    /// </summary>
    private bool Retry(InspectionResult result)
    {
        if (!result.Retryable || !_open.TryGetValue(result.Frame, out var open) || open.RetryPending) return false;
        var wait = TimeSpan.FromMilliseconds(Math.Min(2000, 250 << Math.Min(open.Attempts, 3)));
        if (DateTime.UtcNow + wait >= open.Since + _options.FrameTimeout * open.Scale) return false;
        open.RetryPending = true;
        open.LastError = result.Error;
        Timers.StartSingleTimer(("retry", result.Frame), new RetryFrame(result.Frame), wait);
        return true;
    }

    private void Redispatch(FrameId frame)
    {
        if (!_open.TryGetValue(frame, out var open)) return;
        open.RetryPending = false;
        open.Attempts++;
        PipelineMetrics.FramesRetried.Add(1, new KeyValuePair<string, object?>("line", _line));
        Dispatch(open.Captured);
    }

    private void Deploy(ModelDeployment deployment)
    {
        _deployment = deployment;
        _registryAnswered = true;
        ReleaseParked();
    }

    /// <summary>The registry has said whether the line has a model, and what its settings are (whether to refuse frames of a far aspect).</summary>
    private bool Ready => _settingsRead && (_deployment != null || _registryAnswered);

    private void ReleaseParked()
    {
        if (!Ready) return;
        var parked = _parked.ToList();
        _parked.Clear();
        foreach (var frame in parked) Dispatch(frame);
    }

    private void Complete(InspectionResult result)
    {
        if (Retry(result)) return;
        if (!_open.Remove(result.Frame, out var open)) return; // already answered or failed by the sweep: one result per frame
        if (!result.Failed)
        {
            double ms = (DateTime.UtcNow - open.AttemptSince).TotalMilliseconds;
            _usualAttemptMs = _usualAttemptMs == 0 ? ms : 0.9 * _usualAttemptMs + 0.1 * ms;
        }
        Timers.Cancel(("retry", result.Frame));
        if (result.Retryable)
            result = result with { Error = $"{result.Error} (after {open.Attempts + 1} attempt(s); the frame deadline of {(_options.FrameTimeout * open.Scale).TotalSeconds:0.#} s leaves no time for another)" };
        if (open.Captured.ClientKey != null) _openKeys.Remove(open.Captured.ClientKey);
        PipelineMetrics.SetInFlight(_line, _open.Count);
        result = Judged(result);
        string id = open.Captured.ResultId!;
        string? heatmap = null;
        if (!result.Failed && _options.HeatmapFolder != null && result.AnomalyMap != null && _deployment != null)
            heatmap = WriteImages(id, open.Captured, result, _deployment);
        var stored = new StoredResult(result.Frame, open.Captured.Source, result.ModelVersion, result.Score, result.NormalisedScore, result.Defective,
            result.Error, (DateTime.UtcNow - open.Since).TotalMilliseconds, heatmap, DateTimeOffset.UtcNow, id, open.Captured.ClientKey, open.Received,
            result.Failed ? null : open.Warning);
        // PersistAsync: results are stored in order without stopping intake while the database writes.
        long started = Stopwatch.GetTimestamp();
        if (stored.ClientKey != null) _persisting[stored.ClientKey] = open;
        PersistAsync(stored, r =>
        {
            if (r.ClientKey != null) _persisting.Remove(r.ClientKey);
            PipelineMetrics.Persist.Record(PipelineMetrics.Since(started), new KeyValuePair<string, object?>("line", _line));
            Count(r);
            Remember(r);
            PipelineMetrics.Results.Add(1, new KeyValuePair<string, object?>("line", _line),
                new KeyValuePair<string, object?>("verdict", ResultStore.VerdictOf(r)));
            // Every SnapshotEvery results the counters are snapshotted, so recovery does not replay every result.
            if (LastSequenceNr % _options.SnapshotEvery == 0) SaveSnapshot(new LineCounters(_scored, _failed, _flagged));
            if (_options.Index != null)
            {
                _options.Index.Tell(new IndexResult(r, open.Waiters.ToList()));
                return;
            }
            foreach (var waiter in open.Waiters) waiter.Tell(r);
            ResultPublisher.Publish(Context.System, r, _log);
        });
    }

    /// <summary>
    /// The verdict at the line's current threshold: the scorer judged with the one its model was deployed with, and an
    /// operator may have moved it since (same model version only; another version's scores are on another scale).
    /// </summary>
    private InspectionResult Judged(InspectionResult result)
    {
        if (result.Failed || _deployment is not { } d || d.Version != result.ModelVersion) return result;
        return result with { Defective = result.Score > d.ImageThreshold, NormalisedScore = d.Calibration().NormaliseImage(result.Score) };
    }

    /// <summary>Counters follow stored results only, so a snapshot never counts a result twice.</summary>
    private void Count(StoredResult r)
    {
        if (r.Error != null) _failed++;
        else
        {
            _scored++;
            if (r.Defective) _flagged++;
        }
    }

    /// <summary>Fails frames past their deadline, and makes again attempts that got no answer at all.</summary>
    private void Sweep()
    {
        var now = DateTime.UtcNow;
        foreach (var stale in _open.Values.Where(o => o.Since < now - _options.FrameTimeout * o.Scale).ToList())
            Complete(InspectionResult.Failure(stale.Captured.Frame, _deployment?.Version ?? "",
                $"no result within the frame deadline of {(_options.FrameTimeout * stale.Scale).TotalSeconds:0.#} s after {stale.Attempts + 1} attempt(s)" +
                (stale.LastError != null ? $"; last: {stale.LastError}" : " (a feature-extraction or shard node may have been lost)"),
                (_options.FrameTimeout * stale.Scale).TotalMilliseconds));
        foreach (var silent in _open.Values.Where(o => !o.RetryPending && o.AttemptSince < now - _options.AttemptTimeout * o.Scale && _deployment != null).ToList())
            Redispatch(silent.Captured.Frame);
    }

    /// <summary>Keeps the frame and its map (and draws the overlay and heatmap unless they are drawn on request); returns the overlay's path.</summary>
    private string? WriteImages(string id, CapturedFrame captured, InspectionResult result, ModelDeployment d)
    {
        try
        {
            long started = Stopwatch.GetTimestamp();
            string overlay = ResultImages.Keep(_options.HeatmapFolder!, _line, id, captured, result.AnomalyMap!, d, draw: !_options.ImagesOnRequest);
            PipelineMetrics.ResultImages.Record(PipelineMetrics.Since(started), new KeyValuePair<string, object?>("line", _line));
            return overlay;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ImageReadException)
        {
            _log.Warning("Heatmap of {0} not written: {1}", result.Frame, e.Message);
            return null;
        }
    }

    /// <summary>
    /// Starts the sinks the settings name and stops the others (a changed webhook URL is a new sink: it starts at the
    /// journal's end, as a sink added now delivers results from now on).
    /// </summary>
    private void StartSinks(LineSettings? settings)
    {
        _settings = settings;
        var wanted = new Dictionary<string, Func<IResultSink>>();
        if (settings?.Webhook is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri))
            wanted["sink-webhook-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(url)))[..12]] =
                () => new WebhookSink(uri);
        if (settings?.Mqtt == true && _options.MqttBroker is { } broker)
        {
            int colon = broker.LastIndexOf(':');
            wanted["sink-mqtt"] = () => new MqttSink(broker[..colon], int.Parse(broker[(colon + 1)..]), _line);
        }
        else if (settings?.Mqtt == true) _log.Warning("Line {0} publishes to MQTT, but this node has no MQTT broker configured", _line);
        foreach (var child in Context.GetChildren().Where(c => c.Path.Name.StartsWith("sink-") && !wanted.ContainsKey(c.Path.Name)))
            Context.Stop(child);
        foreach (var (name, make) in wanted)
            if (Context.Child(name).IsNobody()) Context.ActorOf(ResultSinkActor.Props(_line, make(), LastSequenceNr), name);
    }

    private sealed record SettingsUnknown;

    private sealed record SweepOpenFrames;

    private sealed record WatchTick;

    private sealed record RetryFrame(FrameId Frame);

    /// <summary>Make again every attempt of an open frame made before this time (a gpu node was lost).</summary>
    private sealed record RedispatchSince(DateTime Before);

    /// <summary>Time for the cluster router to stop routing to a node found unreachable, before attempts are made again.</summary>
    private static readonly TimeSpan LostNodeGrace = TimeSpan.FromSeconds(1);

    /// <summary>An accepted frame: who waits for its result (the camera, and any retry of it), since when, and its attempts.</summary>
    private sealed class OpenFrame(CapturedFrame captured, List<IActorRef> waiters, DateTime since, DateTimeOffset received)
    {
        public CapturedFrame Captured { get; } = captured;
        public List<IActorRef> Waiters { get; } = waiters;
        public DateTime Since { get; } = since;
        public DateTimeOffset Received { get; } = received;
        public DateTime AttemptSince { get; set; } = since;
        public int Attempts { get; set; }
        public bool RetryPending { get; set; }
        public string? LastError { get; set; }
        /// <summary>Stored with its result: why its score is less reliable (its aspect).</summary>
        public string? Warning { get; set; }
        /// <summary>Its deadlines' multiple: a tiled frame's tiles over <see cref="LineOptions.TilesPerTimeout"/>.</summary>
        public double Scale { get; set; } = 1;
        /// <summary>The gpu node its current attempt went to, when the line routes frames itself.</summary>
        public Address? Node { get; set; }
    }
}
