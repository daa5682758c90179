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

namespace Inspection.Actors.Lines;

/// <summary>
/// One production line's intake as an actor: what to do with each frame, answer and tick is <see cref="LineState"/>'s
/// decision; this actor carries it out. It persists each result (published on <see cref="ResultsTopic"/> and told to
/// whoever waits for it), sends attempts to the extractors, schedules retries and sweeps, follows the registry and the
/// cluster, and keeps the line's result sinks as a child (<see cref="LineSinksActor"/>). Every accepted frame gets
/// exactly one result: scored, or failed with a reason (unknown line, no model, corrupt image, a shard or node lost, no
/// answer in time).
/// </summary>
public sealed class LineActor : ReceivePersistentActor, IWithTimers
{
    public const string ResultsTopic = "results";
    private readonly string _line;
    private readonly IActorRef _registry;
    private readonly IActorRef _extractors;
    private readonly LineOptions _options;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LineState _state;
    // Who waits for each result id (the camera or client, and any retry of it with the same key).
    private readonly Dictionary<string, List<IActorRef>> _waiters = new(StringComparer.Ordinal);
    /// <summary>The frame each waiter sent, by result id and waiter (a frame told lost is named as its sender knows it).</summary>
    private readonly Dictionary<(string ResultId, IActorRef Waiter), FrameId> _sent = [];
    private readonly List<StoredResult> _replayed = [];
    private readonly Dictionary<Address, ActorSelection> _extractorAt = new();
    private Address? _self;
    private IActorRef _sinks = ActorRefs.Nobody;
    /// <summary>Where every result sink of the line has delivered to (long.MaxValue: it has none); null: not heard yet.</summary>
    private long? _sinksDelivered;
    private long _deletedUpTo;

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
        // Without a replica directory (tests with a probe) frames go to the extractors' router.
        _state = new LineState(line, options, options.Directory != null && options.RouteToBank ? new ExtractorRoute(line, options.RouteFill) : null);

        Recover<StoredResult>(r =>
        {
            _state.Stored(r);
            if (_options.Index != null) _replayed.Add(r);
        });
        // Results replayed since the last snapshot are offered to the index again (it keeps one row per id), so one
        // stored just before a crash, and not yet indexed, becomes queryable.
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var r in _replayed) _options.Index!.Tell(new IndexResult(r, [], Replayed: true));
            _replayed.Clear();
        });
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is LineCounters c) _state.Restore(c);
        });
        // Events a snapshot covers are deleted (the result store keeps the results, under the line's retention), but
        // never one a result sink has yet to deliver; older snapshots go too.
        Command<SaveSnapshotSuccess>(s =>
        {
            long upTo = Math.Min(s.Metadata.SequenceNr, _sinksDelivered ?? 0);
            if (upTo > _deletedUpTo) DeleteMessages(upTo);
            DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(f => _log.Warning("Line {0}: counters not snapshotted: {1}", _line, f.Cause.Message));
        Command<DeleteMessagesSuccess>(d => _deletedUpTo = Math.Max(_deletedUpTo, d.ToSequenceNr));
        Command<DeleteMessagesFailure>(f => _log.Warning("Line {0}: journal events up to {1} not deleted: {2}", _line, f.ToSequenceNr, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("Line {0}: old snapshots not deleted: {1}", _line, f.Cause.Message));
        Command<LineSinksActor.DeliveredUpTo>(d => _sinksDelivered = d.SequenceNr);
        Command<CapturedFrame>(Take);
        // Journalled for the line's sinks only: the result store and the counters are the results'.
        Command<PartTimedOut>(t => PersistAsync(t, _ =>
        {
            if (LastSequenceNr % _options.SnapshotEvery == 0) SaveSnapshot(_state.Counters());
        }));
        Command<InspectionResult>(r =>
        {
            var node = Sender.Path.Address.HasGlobalScope ? Sender.Path.Address : _self;
            if (node != null && _state.AnsweredBy(node, DateTime.UtcNow)) _log.Info("Line {0}: gpu node {1} answers again and takes frames again", _line, node);
            Complete(r);
        });
        Command<WatchTick>(_ => WatchNodes());
        Command<ModelDeployment>(d => { if (d.Line == _line) DispatchAll(_state.Deployed(d)); });
        Command<DeploymentChanged>(c => { if (c.Deployment.Line == _line) DispatchAll(_state.Deployed(c.Deployment)); });
        Command<LineDeleted>(d =>
        {
            if (d.Line != _line) return;
            _state.Deleted();
            _sinks.Tell(new LineSinksActor.Wanted(null, LastSequenceNr));
        });
        Command<LineDetails>(d =>
        {
            if (d.Line != _line) return;
            if (d.Known) _sinks.Tell(new LineSinksActor.Wanted(d.Settings, LastSequenceNr));
            DispatchAll(_state.SettingsRead(d.Known ? d.Settings : null));
        });
        Command<LineConfigured>(c =>
        {
            if (c.Line != _line) return;
            _state.SettingsChanged(c.Settings);
            _sinks.Tell(new LineSinksActor.Wanted(c.Settings, LastSequenceNr));
        });
        Command<NoDeployment>(n => { if (n.Line == _line) DispatchAll(_state.NoModel(n.Reason)); });
        Command<Status.Failure>(f => DispatchAll(_state.NoModel($"the model registry did not answer ({f.Cause.Message})")));
        Command<SweepOpenFrames>(_ => Sweep());
        // A gpu node found unreachable may hold attempts of open frames, whose answers will never come: they are made
        // again soon (once the extractors' router has dropped that node) instead of at their attempt timeout.
        Command<ClusterEvent.UnreachableMember>(u =>
        {
            if (!u.Member.HasRole("gpu")) return;
            if (_state.Route == null)
            {
                Timers.StartSingleTimer(("lost", u.Member.Address), new RedispatchSince(DateTime.UtcNow), LostNodeGrace);
                return;
            }
            // This line routes its frames itself, so it knows which attempts went there, and sends them elsewhere now.
            _state.Route.Unreachable(u.Member.Address);
            Again(_state.AttemptsAt(u.Member.Address));
        });
        Command<ClusterEvent.ReachableMember>(r => { if (r.Member.HasRole("gpu")) _state.Route?.Reachable(r.Member.Address); });
        Command<ClusterEvent.MemberUp>(u => { if (u.Member.HasRole("gpu")) _state.Route?.Up(u.Member.Address); });
        Command<ClusterEvent.MemberRemoved>(r => _state.NodeRemoved(r.Member.Address));
        Command<ReplicaDirectoryActor.Locations>(l => _state.Route?.Locations(l.Entities));
        Command<ClusterEvent.IClusterDomainEvent>(_ => { });
        Command<RedispatchSince>(r => Again(_state.AttemptsBefore(r.Before)));
        Command<RetryFrame>(r => Again([r.Frame]));
        Command<GetLineStats>(_ => Sender.Tell(_state.Stats()));
        Command<SubscribeAck>(_ => { });
        Command<SettingsUnknown>(_ =>
        {
            _log.Warning("Line {0}: its settings could not be read from the registry; result sinks start when they change", _line);
            DispatchAll(_state.SettingsRead(null));
        });
    }

    public static Props Props(string line, IActorRef registry, IActorRef extractors, LineOptions options) =>
        Akka.Actor.Props.Create(() => new LineActor(line, registry, extractors, options));

    protected override void PreStart()
    {
        base.PreStart();
        _sinks = Context.ActorOf(LineSinksActor.Props(_line, _options.MqttBroker), "sinks");
        try { DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(ModelRegistryActor.Topic, Self)); }
        catch (Exception e) when (e is not OutOfMemoryException) { _log.Info("No distributed pub-sub: {0}", e.Message); }
        _registry.Ask<object>(new GetDeployment(_line), TimeSpan.FromSeconds(10)).PipeTo(Self);
        // The line's settings say where its results go (webhook, MQTT); a failed ask leaves the sinks as they are.
        _registry.Ask<LineDetails>(new GetLine(_line), TimeSpan.FromSeconds(10))
            .ContinueWith(t => t.IsCompletedSuccessfully ? (object)t.Result : new SettingsUnknown()).PipeTo(Self);
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, _options.FrameTimeout.Ticks / 4));
        Timers.StartPeriodicTimer("sweep", new SweepOpenFrames(), period);
        if (_state.Route != null && _options.SilentNodeAfter > TimeSpan.Zero)
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
        switch (_state.Take(captured, DateTime.UtcNow))
        {
            case Intake.Answered a:
                Sender.Tell(new FrameAccepted(captured.Frame, a.Result.ResultId));
                Sender.Tell(a.Result);
                break;
            case Intake.Joined j:
                Sender.Tell(new FrameAccepted(captured.Frame, j.ResultId));
                _waiters[j.ResultId].Add(Sender);
                _sent[(j.ResultId, Sender)] = captured.Frame;
                break;
            case Intake.Refused r:
                if (r.Dropped) PipelineMetrics.FramesDropped.Add(1, new KeyValuePair<string, object?>("line", _line));
                Sender.Tell(new FrameRejected(captured.Frame, r.Reason));
                break;
            case Intake.Accepted a:
                PipelineMetrics.FramesAccepted.Add(1, new KeyValuePair<string, object?>("line", _line));
                Sender.Tell(new FrameAccepted(a.Frame.Frame, a.Frame.ResultId));
                _waiters[a.Frame.ResultId!] = [Sender];
                _sent[(a.Frame.ResultId!, Sender)] = a.Frame.Frame;
                PipelineMetrics.SetInFlight(_line, _state.InFlight);
                if (a.Dispatch) Dispatch(a.Frame);
                break;
        }
    }

    private void DispatchAll(IReadOnlyList<CapturedFrame> frames)
    {
        foreach (var frame in frames) Dispatch(frame);
    }

    private void Dispatch(CapturedFrame captured) => Carry(_state.Dispatch(captured, DateTime.UtcNow));

    private void Again(IReadOnlyList<FrameId> frames)
    {
        foreach (var frame in frames)
            if (_state.Again(frame, DateTime.UtcNow) is { } attempt)
            {
                PipelineMetrics.FramesRetried.Add(1, new KeyValuePair<string, object?>("line", _line));
                Carry(attempt);
            }
    }

    private void Carry(Attempt attempt)
    {
        switch (attempt)
        {
            case Attempt.Fail f: Complete(f.Result); break;
            case Attempt.Send { Node: null } s: _extractors.Tell(s.Request); break;
            case Attempt.Send s: ExtractorAt(s.Node!).Tell(s.Request); break;
        }
    }

    private void WatchNodes()
    {
        foreach (var silent in _state.SilentNodes(DateTime.UtcNow))
        {
            _log.Warning("Line {0}: gpu node {1} has answered none of its {2} open frame(s) for {3:F1} s; they go to another gpu node",
                _line, silent.Node, silent.Frames.Count, silent.Allowed.TotalSeconds);
            PipelineMetrics.SilentNodes.Add(1, new KeyValuePair<string, object?>("line", _line));
            Again(silent.Frames);
        }
    }

    private ActorSelection ExtractorAt(Address node)
    {
        if (!_extractorAt.TryGetValue(node, out var extractor))
            _extractorAt[node] = extractor = Context.ActorSelection(new RootActorPath(node) / "user" / InspectionNodeHosting.FeatureExtractorPath);
        return extractor;
    }

    private void Sweep()
    {
        var (expired, overdue) = _state.Sweep(DateTime.UtcNow);
        foreach (var result in expired) Complete(result);
        Again(overdue);
    }

    private void Complete(InspectionResult result)
    {
        switch (_state.Complete(result, DateTime.UtcNow))
        {
            case Completion.Retry retry:
                Timers.StartSingleTimer(("retry", result.Frame), new RetryFrame(result.Frame), retry.Wait);
                return;
            case Completion.Store store:
                Timers.Cancel(("retry", result.Frame));
                PipelineMetrics.SetInFlight(_line, _state.InFlight);
                Persist(store.Result);
                return;
        }
    }

    /// <summary>PersistAsync: results are stored in order without stopping intake while the database writes.</summary>
    private void Persist(StoredResult stored)
    {
        long started = Stopwatch.GetTimestamp();
        PersistAsync(stored, r =>
        {
            PipelineMetrics.Persist.Record(PipelineMetrics.Since(started), new KeyValuePair<string, object?>("line", _line));
            _state.Stored(r);
            PipelineMetrics.Results.Add(1, new KeyValuePair<string, object?>("line", _line),
                new KeyValuePair<string, object?>("verdict", ResultStore.VerdictOf(r)));
            // Every SnapshotEvery results the counters are snapshotted, so recovery does not replay every result.
            if (LastSequenceNr % _options.SnapshotEvery == 0) SaveSnapshot(_state.Counters());
            _waiters.Remove(r.ResultId, out var waiters);
            foreach (var waiter in waiters ?? []) _sent.Remove((r.ResultId, waiter));
            if (_options.Index != null)
            {
                _options.Index.Tell(new IndexResult(r, waiters ?? []));
                return;
            }
            foreach (var waiter in waiters ?? []) waiter.Tell(r);
            ResultPublisher.Publish(Context.System, r, _log);
        });
    }

    /// <summary>
    /// The journal failed to store a result (its database went away); the actor stops after this. Every frame the line
    /// holds, stored or not yet, is told lost to whoever sent it, at once, instead of their waiting out the deadline for
    /// a result that will not come: they send it again with the same client key when the database is back.
    /// </summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistFailure(cause, @event, sequenceNr);
        string reason = $"the line's journal could not store a result ({cause.GetBaseException().Message})";
        foreach (var (resultId, waiters) in _waiters)
            foreach (var waiter in waiters)
                waiter.Tell(new FrameLost(_sent.GetValueOrDefault((resultId, waiter)) ?? new FrameId(_line, "", 0), resultId, reason));
        PipelineMetrics.FramesLost.Add(_waiters.Count, new KeyValuePair<string, object?>("line", _line));
        _log.Error("Line {0}: {1}; {2} frame(s) told lost, the line stops and starts again on its next frame", _line, reason, _waiters.Count);
        _waiters.Clear();
        _sent.Clear();
    }

    private sealed record SettingsUnknown;

    private sealed record SweepOpenFrames;

    private sealed record WatchTick;

    private sealed record RetryFrame(FrameId Frame);

    /// <summary>Make again every attempt of an open frame made before this time (a gpu node was lost).</summary>
    private sealed record RedispatchSince(DateTime Before);

    /// <summary>Time for the cluster router to stop routing to a node found unreachable, before attempts are made again.</summary>
    private static readonly TimeSpan LostNodeGrace = TimeSpan.FromSeconds(1);
}

public static class LineHosting
{
    /// <summary>
    /// The lines: shard entities (<see cref="LineRegion"/>) on ingest nodes, each a <see cref="LineActor"/> with
    /// <paramref name="options"/>; every other node reaches them through a proxy.
    /// </summary>
    public static Akka.Hosting.AkkaConfigurationBuilder WithLines(this Akka.Hosting.AkkaConfigurationBuilder builder, LineOptions options, bool ingest) => ingest
        ? Akka.Cluster.Hosting.AkkaClusterHostingExtensions.WithShardRegion<LineRegion>(builder, LineRegion.TypeName,
            (_, registry, _) => line => LineActor.Props(line, registry.Get<ModelRegistry>(), registry.Get<Extraction.FeatureExtractors>(),
                options with { Index = registry.Get<ResultIndex>(), Directory = registry.Get<ReplicaDirectory>() }),
            new LineMessageExtractor(),
            new Akka.Cluster.Hosting.ShardOptions { Role = "ingest", StateStoreMode = Akka.Cluster.Sharding.StateStoreMode.DData, RememberEntities = false })
        : Akka.Cluster.Hosting.AkkaClusterHostingExtensions.WithShardRegionProxy<LineRegion>(builder, LineRegion.TypeName, "ingest", new LineMessageExtractor());
}
