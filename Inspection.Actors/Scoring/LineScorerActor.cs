using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Messages;
using Inspection.Engine.PatchCore;
using static TorchSharp.torch;
using Inspection.Engine.Native;

namespace Inspection.Actors.Scoring;

/// <summary>
/// Scores frames of one line against its sharded, replicated memory bank, in three rounds of queries, each to one
/// replica of every shard it needs: the nearest bank vector of every patch (all shards); m*, each frame's worst
/// patch's nearest vector (only the shards that own one); N_b(m*) with the worst patch's distances (all shards), for
/// PatchCore's Eq. 7, computed per frame as anomalib does. A bank of one shard (every bank within the shard budget)
/// answers all three in its first round. The merging is <see cref="ShardedSearchMerge"/>'s; this
/// actor moves messages. It then builds the anomaly map and the verdict, and hands each frame's result to this node's
/// <see cref="Results.ResultImagesActor"/>, which keeps the frame's images and tells its line the result without the map.
/// <para>
/// Replicas: a query goes to a replica of the shard on this node if there is one, else to the one with the fewest
/// queries open. One that cannot answer, is on a node
/// found unreachable, or is slow past the hedge delay, is replaced at once by another replica of the same shard, so
/// with two replicas a node's loss costs no frame. Without a replica left, the batch asks again within its retry
/// budget (a shard restarting on another node) and then fails every frame explicitly: never a score from part of the
/// bank.
/// </para>
/// <para>
/// A replica on another node gets the batch's encoded frames instead of its patch features where they are fewer bytes
/// (<see cref="QueryNearestOfFrames"/>, to the extractor on that node, which extracts them and asks its replica), so a
/// bank split over nodes costs the network about one encoded frame per remote shard, not 1.5 MB of features. Rows and
/// support queries carry one vector per frame and go as they are.
/// </para>
/// </summary>
public sealed class LineScorerActor : ReceiveActor, IWithTimers
{
    private readonly IActorRef _shards;
    private readonly TimeSpan _timeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<long, PendingBatch> _pending = new();
    private readonly ReplicaChoice _replicas;
    private readonly IActorRef? _directory;
    private ModelDeployment _deployment;
    private AnomalyMapGenerator _maps;
    // Shards skip a copy of a query they answered, by asker and id (RepeatedQueries). A restarted scorer keeps its
    // actor ref, so each incarnation starts its ids at a random point far from any other's instead of at 1.
    private long _nextQuery = Random.Shared.NextInt64(1L << 40, 1L << 62);
    private bool _retired;
    private readonly TimeSpan _retryBudget;
    private static readonly TimeSpan RetryRound = TimeSpan.FromSeconds(2);
    private readonly string? _framesTo;
    private readonly IActorRef? _images;
    private readonly Dictionary<Address, ActorSelection> _extractors = new();
    // Nodes that could not extract a batch's frames (another version, a missing weights file), until when they get features.
    private readonly Dictionary<Address, long> _featuresOnlyUntil = new();
    private static readonly TimeSpan FeaturesOnlyFor = TimeSpan.FromMinutes(1);

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="timeout">How long one round of a shard query may take.</param>
    /// <param name="retryBudget">
    /// How long a batch keeps asking shards that did not answer or had no bank yet (a shard restarting on another node
    /// after its node was lost) before its frames fail; the features are kept, so nothing is extracted again.
    /// </param>
    /// <param name="preferLocal">Ask a replica on this node first (see <see cref="ReplicaChoice"/>).</param>
    /// <param name="directory">This node's replica directory: where replicas run, known before their first answers.</param>
    /// <param name="framesTo">
    /// Name of the feature extractor under /user on every gpu node, to which frames for a remote replica go; null sends
    /// remote replicas the features.
    /// </param>
    /// <param name="images">
    /// This node's result images: a frame's result goes to its line through them, which keep its images first; null
    /// (and for tiles, whose maps their assembler stitches) the result goes straight back with its map.
    /// </param>
    public LineScorerActor(ModelDeployment deployment, IActorRef shardRegion, TimeSpan timeout, TimeSpan? retryBudget = null, bool preferLocal = true,
        IActorRef? directory = null, IReadOnlyDictionary<string, Address>? located = null, string? framesTo = null, IActorRef? images = null)
    {
        _images = images;
        _framesTo = framesTo;
        _retryBudget = retryBudget ?? TimeSpan.Zero;
        _deployment = deployment;
        _shards = shardRegion;
        _timeout = timeout;
        _maps = new AnomalyMapGenerator(deployment.BlurSigma, CPU);
        _replicas = new ReplicaChoice(preferLocal && InCluster ? Cluster.Get(Context.System).SelfAddress : null);
        _directory = directory;
        // What the directory said before this scorer existed: its first batch is in the mailbox ahead of the directory's answer.
        foreach (var (entity, node) in located ?? new Dictionary<string, Address>()) _replicas.Located(entity, node);

        Receive<ScoreFrames>(Start);
        Receive<NearestAnswer>(a => OnAnswer(a.EntityId, a.QueryId, GatherStage.Nearest, a, OnNearest));
        Receive<RowsAnswer>(a => OnAnswer(a.EntityId, a.QueryId, GatherStage.Rows, a, OnRows));
        Receive<SupportAnswer>(a => OnAnswer(a.EntityId, a.QueryId, GatherStage.Support, a, (id, p) => Finish(id, p)));
        Receive<ShardUnavailable>(OnUnavailable);
        Receive<FramesNotExtracted>(OnNotExtracted);
        Receive<GatherTimeout>(t => OnTimeout(t.QueryId));
        Receive<HedgeDue>(h => Hedge(h.QueryId));
        Receive<AskAgain>(a => AskMissing(a.QueryId));
        Receive<ModelDeployment>(Switch);
        Receive<Shards.ReplicaDirectoryActor.Locations>(l =>
        {
            foreach (var (entity, node) in l.Entities) _replicas.Located(entity, node);
        });
        Receive<Retire>(_ =>
        {
            _retired = true;
            StopIfRetired();
        });
        Receive<ClusterEvent.UnreachableMember>(u => NodeLost(u.Member.Address));
        Receive<ClusterEvent.MemberRemoved>(r =>
        {
            NodeLost(r.Member.Address);
            _replicas.NodeRemoved(r.Member.Address);
        });
        Receive<ClusterEvent.ReachableMember>(r => _replicas.NodeBack(r.Member.Address));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    public static Props Props(ModelDeployment deployment, IActorRef shardRegion, TimeSpan timeout, TimeSpan? retryBudget = null, bool preferLocal = true,
        IActorRef? directory = null, IReadOnlyDictionary<string, Address>? located = null, string? framesTo = null, IActorRef? images = null) =>
        Akka.Actor.Props.Create(() => new LineScorerActor(deployment, shardRegion, timeout, retryBudget, preferLocal, directory, located, framesTo, images));

    private bool InCluster => Context.System is ExtendedActorSystem { Provider: Akka.Cluster.ClusterActorRefProvider };

    protected override void PreStart()
    {
        _directory?.Tell(Shards.ReplicaDirectoryActor.Subscribe.Instance);
        if (InCluster)
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.InitialStateAsEvents, typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.MemberRemoved));
    }

    /// <summary>A new model version takes over for batches started from now on; batches in flight finish on theirs.</summary>
    private void Switch(ModelDeployment deployment)
    {
        if (deployment.Line != _deployment.Line) return;
        if (deployment.BlurSigma != _deployment.BlurSigma)
        {
            _maps.Dispose();
            _maps = new AnomalyMapGenerator(deployment.BlurSigma, CPU);
        }
        _deployment = deployment;
    }

    private void Start(ScoreFrames batch)
    {
        var d = _deployment;
        long id = ++_nextQuery;
        int patchesPerFrame = d.PatchesPerFrame;
        if (batch.Patches.Columns != d.Dimensions || batch.Patches.Rows != batch.Frames.Count * patchesPerFrame)
        {
            foreach (var frame in batch.Frames)
                Sender.Tell(InspectionResult.Failure(frame, d.Version,
                    $"patch block is {batch.Patches.Rows}x{batch.Patches.Columns}; model {d.Version} needs {batch.Frames.Count * patchesPerFrame}x{d.Dimensions}", 0));
            return;
        }
        var pending = new PendingBatch(new BatchGather(id, batch, d), Sender, Stopwatch.StartNew());
        _pending[id] = pending;
        // A bank of one slice answers Eq. 7's support with the nearest rows: one round instead of three.
        pending.Gather.BeginNearest();
        Ask(id, pending);
    }

    /// <summary>Keeps the first answer of each shard of the batch's current stage; the stage goes on once all are in.</summary>
    private void OnAnswer(string entityId, long queryId, GatherStage stage, object answer, Action<long, PendingBatch> complete)
    {
        if (!ShardKey.TryParse(entityId, out var key)) return;
        _replicas.Answered(entityId, Sender.Path.Address.HasLocalScope && InCluster ? Cluster.Get(Context.System).SelfAddress : Sender.Path.Address);
        if (!_pending.TryGetValue(queryId, out var p)) return; // late answer of a finished or failed batch
        string? asked = p.Asked.GetValueOrDefault(key.Shard);
        bool complete_ = p.Gather.Accept(stage, key.Shard, answer);
        if (asked != null && !p.Asked.ContainsKey(key.Shard)) _replicas.Closed(asked); // this answer was kept
        if (!complete_) return;
        _replicas.Observe(p.StageClock.Elapsed);
        complete(queryId, p);
    }

    private void OnNearest(long id, PendingBatch p)
    {
        long started = Stopwatch.GetTimestamp();
        var next = p.Gather.MergeNearest();
        RecordStep("merge", started, p);
        if (next == BatchGather.Next.Results) Finish(id, p);
        else Ask(id, p);
    }

    private void OnRows(long id, PendingBatch p)
    {
        long started = Stopwatch.GetTimestamp();
        if (p.Gather.BeginSupport() is { } inconsistent)
        {
            Fail(id, inconsistent);
            return;
        }
        Ask(id, p);
        RecordStep("support", started, p);
    }

    private void Finish(long id, PendingBatch p)
    {
        Close(id, p);
        long started = Stopwatch.GetTimestamp();
        var d = p.Deployment;
        int frames = p.Batch.Frames.Count, rows = d.PatchGrid, columns = d.GridColumns, height = d.ImageSize, width = d.InputWidth;
        float[] maps;
        using (var scope = NewDisposeScope())
        {
            var scores = tensor(p.Gather.PatchScores, [frames, rows, columns]);
            maps = HostArrays.ToArray<float>(_maps.Generate(scores, height, width));
        }
        double latency = p.Clock.Elapsed.TotalMilliseconds;
        var imageScores = p.Gather.ImageScores();
        var results = new InspectionResult[frames];
        for (int f = 0; f < frames; f++)
        {
            // Half precision: maps are kept on disk and end as 8-bit heatmaps; fp16's 11-bit mantissa is plenty, and it
            // halves what a map costs on disk and, for a tile, on its way to the assembler.
            var map = FeatureBlock.FromFloats(maps.AsSpan(f * height * width, height * width), height, width, FeaturePrecision.Float16);
            results[f] = new InspectionResult(p.Batch.Frames[f], d.Version, imageScores[f], 0, false, null, latency, map).Judged(d);
        }
        // Timings first, so a result never arrives ahead of them.
        RecordStep("results", started, p);
        PipelineMetrics.Gather.Record(p.Clock.Elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("line", d.Line));
        var encoded = p.Batch.Encoded;
        for (int f = 0; f < frames; f++)
        {
            if (_images != null && encoded?.Count == frames && p.Batch.Frames[f].Camera != TileAssemblerActor.TileCamera)
                _images.Tell(new Results.ResultImagesActor.Keep(results[f], encoded[f], d), p.ReplyTo);
            else p.ReplyTo.Tell(results[f]);
        }
    }

    private static void RecordStep(string step, long started, PendingBatch p) =>
        PipelineMetrics.Scoring.Record(PipelineMetrics.Since(started),
            new KeyValuePair<string, object?>("line", p.Deployment.Line), new KeyValuePair<string, object?>("step", step));

    private void Fail(long id, string reason)
    {
        if (!_pending.TryGetValue(id, out var p)) return;
        Close(id, p);
        _log.Warning("Line {0}: failing {1} frames: {2}", p.Deployment.Line, p.Batch.Frames.Count, reason);
        double latency = p.Clock.Elapsed.TotalMilliseconds;
        foreach (var frame in p.Batch.Frames) p.ReplyTo.Tell(InspectionResult.Failure(frame, p.Deployment.Version, reason, latency, retryable: true));
    }

    private void Close(long id, PendingBatch p)
    {
        _pending.Remove(id);
        Timers.Cancel(id);
        Timers.Cancel(("hedge", id));
        foreach (var entity in p.Asked.Values) _replicas.Closed(entity);
        p.Asked.Clear();
        StopIfRetired();
    }

    private void StopIfRetired()
    {
        if (_retired && _pending.Count == 0) Context.Stop(Self);
    }

    /// <summary>The line moved to another version: finish the open batches, then stop.</summary>
    public sealed class Retire
    {
        public static readonly Retire Instance = new();
        private Retire() { }
    }

    /// <summary>Sends the stage the gather has begun: its query to one replica of each shard it needs, a timeout, and the hedge.</summary>
    private void Ask(long id, PendingBatch p)
    {
        p.StageClock.Restart();
        foreach (int s in p.Needed) Send(p, s);
        Timers.StartSingleTimer(id, new GatherTimeout(id), _timeout);
        ArmHedge(id, p);
    }

    private void ArmHedge(long id, PendingBatch p)
    {
        if (p.Deployment.Replicas > 1) Timers.StartSingleTimer(("hedge", id), new HedgeDue(id), _replicas.HedgeDelay(_timeout));
    }

    /// <summary>Sends the stage's query for shard <paramref name="s"/> to its best replica not yet tried in this round.</summary>
    private bool Send(PendingBatch p, int s)
    {
        var d = p.Deployment;
        var candidates = Enumerable.Range(0, d.Replicas).Select(r => d.ShardEntity(s, r)).Where(e => !p.Tried.Contains(e)).ToList();
        if (candidates.Count == 0) return false;
        string entity = _replicas.Pick(candidates);
        if (p.Asked.Remove(s, out var previous)) _replicas.Closed(previous);
        p.Tried.Add(entity);
        p.Asked[s] = entity;
        _replicas.Opened(entity);
        if (p.Stage == GatherStage.Nearest && ExtractorFor(p, entity) is { } extractor)
            extractor.Tell(new QueryNearestOfFrames(entity, p.Id, d.Line, d.Version, p.Batch.Encoded!, 1, d.EffectiveKnnPrecision,
                d.PatchesPerFrame, BatchGather.OneRound(d) ? d.NumNeighbors : 0));
        else _shards.Tell(p.Query!(entity, s));
        return true;
    }

    /// <summary>
    /// The extractor on the node of <paramref name="entity"/> when the batch's frames should go there instead of its
    /// features: the replica is on another node known to run it, that node has not failed to extract lately, and the
    /// encoded frames are smaller than the features (a huge PNG may not be).
    /// </summary>
    private ActorSelection? ExtractorFor(PendingBatch p, string entity)
    {
        if (_framesTo is null || !InCluster || p.Batch.Encoded is not { } encoded || encoded.Count != p.Batch.Frames.Count) return null;
        if (_replicas.Where(entity) is not { } node || _replicas.IsLocal(entity)) return null;
        if (_featuresOnlyUntil.TryGetValue(node, out long until) && until > Environment.TickCount64) return null;
        if (encoded.Sum(f => (long)f.Encoded.Length) >= p.Batch.Patches.Data.Length) return null;
        if (!_extractors.TryGetValue(node, out var selection))
            _extractors[node] = selection = Context.ActorSelection(new RootActorPath(node) / "user" / _framesTo);
        return selection;
    }

    /// <summary>The replica's node could not extract the frames: that replica gets the features of this batch, and the node features for a while.</summary>
    private void OnNotExtracted(FramesNotExtracted n)
    {
        if (!_pending.TryGetValue(n.QueryId, out var p) || p.Stage != GatherStage.Nearest || !ShardKey.TryParse(n.EntityId, out var key)) return;
        if (p.Gather.Received.Contains(key.Shard) || p.Asked.GetValueOrDefault(key.Shard) != n.EntityId) return;
        _log.Info("Line {0}: {1}'s node did not extract the frames ({2}); sending it features", p.Deployment.Line, n.EntityId, n.Reason);
        _featuresOnlyUntil[Sender.Path.Address] = Environment.TickCount64 + (long)FeaturesOnlyFor.TotalMilliseconds;
        _shards.Tell(p.Query!(n.EntityId, key.Shard));
    }

    private void OnUnavailable(ShardUnavailable u)
    {
        if (!_pending.TryGetValue(u.QueryId, out var p) || !ShardKey.TryParse(u.EntityId, out var key)) return;
        if (!p.Needed.Contains(key.Shard) || Received(p).Contains(key.Shard) || p.Asked.GetValueOrDefault(key.Shard) != u.EntityId) return;
        if (Send(p, key.Shard)) return; // another replica answers instead
        AskAgainOrFail(u.QueryId, $"shard {u.EntityId} cannot answer: {u.Reason}", TimeSpan.FromMilliseconds(500));
    }

    /// <summary>
    /// A replica slower than the hedge delay: the same query also goes to another replica; the first answer counts. Not
    /// a replica on this node: it cannot be on a lost node, and its slowness is this node's own, which sending the
    /// batch's features over the network would not cure (its timeout still moves the query on).
    /// </summary>
    private void Hedge(long id)
    {
        if (!_pending.TryGetValue(id, out var p)) return;
        foreach (int s in Missing(p))
            if (p.Asked.TryGetValue(s, out var slow) && !_replicas.IsLocal(slow) && Send(p, s)) _replicas.Slow(slow);
    }

    private void OnTimeout(long id)
    {
        if (!_pending.TryGetValue(id, out var p)) return;
        bool replaced = false;
        foreach (int s in Missing(p)) replaced |= Send(p, s);
        if (replaced)
        {
            Timers.StartSingleTimer(id, new GatherTimeout(id), _timeout);
            return;
        }
        AskAgainOrFail(id, TimeoutReason(p), TimeSpan.Zero);
    }

    /// <summary>Queries open at a node found unreachable or removed go to another replica now, not at their timeout.</summary>
    private void NodeLost(Address address)
    {
        _replicas.NodeLost(address);
        foreach (var p in _pending.Values)
            foreach (int s in Missing(p))
                if (p.Asked.TryGetValue(s, out var entity) && _replicas.IsOn(entity, address)) Send(p, s);
    }

    /// <summary>Within the retry budget, asks again (after <paramref name="after"/>) the shards that have not answered; else fails the batch.</summary>
    private void AskAgainOrFail(long id, string reason, TimeSpan after)
    {
        if (!_pending.TryGetValue(id, out var p)) return;
        if (p.Clock.Elapsed + after + TimeSpan.FromTicks(Math.Min(_timeout.Ticks, RetryRound.Ticks)) > _retryBudget)
        {
            Fail(id, p.Rounds > 0 ? $"{reason} (asked {p.Rounds + 1} times)" : reason);
            return;
        }
        if (p.AskAgainPending) return;
        p.AskAgainPending = true;
        if (after > TimeSpan.Zero) Timers.StartSingleTimer(("again", id), new AskAgain(id), after);
        else AskMissing(id);
    }

    /// <summary>A new round: every replica may be tried again (a shard back on another node answers at once).</summary>
    private void AskMissing(long id)
    {
        if (!_pending.TryGetValue(id, out var p) || p.Query == null) return;
        p.AskAgainPending = false;
        p.Rounds++;
        p.Tried.Clear();
        foreach (int s in Missing(p)) Send(p, s);
        // Later rounds are short: a shard back on another node answers at once, and buffered queries are not lost.
        Timers.StartSingleTimer(id, new GatherTimeout(id), TimeSpan.FromTicks(Math.Min(_timeout.Ticks, RetryRound.Ticks)));
        ArmHedge(id, p);
    }

    private static IReadOnlyCollection<int> Received(PendingBatch p) => p.Gather.Received;

    private static List<int> Missing(PendingBatch p) => p.Gather.Missing();

    private string TimeoutReason(PendingBatch p)
    {
        var missing = Missing(p).Select(s => p.Deployment.Replicas > 1 ? $"{p.Deployment.ShardEntity(s)} (all {p.Deployment.Replicas} replicas)" : p.Deployment.ShardEntity(s));
        return $"shard(s) {string.Join(", ", missing)} did not answer within {_timeout.TotalSeconds:0.###} s";
    }

    protected override void PostStop()
    {
        if (InCluster) Cluster.Get(Context.System).Unsubscribe(Self);
        _maps.Dispose();
        base.PostStop();
    }

    private sealed record GatherTimeout(long QueryId);

    private sealed record HedgeDue(long QueryId);

    private sealed record AskAgain(long QueryId);

    /// <summary>A batch's gather, and what only the actor holds of it: whom to answer and its clocks.</summary>
    private sealed class PendingBatch(BatchGather gather, IActorRef replyTo, Stopwatch clock)
    {
        public BatchGather Gather { get; } = gather;
        public IActorRef ReplyTo { get; } = replyTo;
        public Stopwatch Clock { get; } = clock;
        public Stopwatch StageClock { get; } = new();
        public long Id => Gather.Id;
        public ScoreFrames Batch => Gather.Batch;
        public ModelDeployment Deployment => Gather.Deployment;
        public GatherStage Stage => Gather.Stage;
        public IReadOnlySet<int> Needed => Gather.Needed;
        public Dictionary<int, string> Asked => Gather.Asked;
        public HashSet<string> Tried => Gather.Tried;
        public Func<string, int, object>? Query => Gather.Query;
        public int Rounds { get => Gather.Rounds; set => Gather.Rounds = value; }
        public bool AskAgainPending { get => Gather.AskAgainPending; set => Gather.AskAgainPending = value; }
    }
}
