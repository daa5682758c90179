using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Messages;
using Inspection.Engine.Models;
using Inspection.Engine.PatchCore;
using static TorchSharp.torch;
using Inspection.Engine.Native;

namespace Inspection.Actors.Scoring;

/// <summary>
/// Scores frames of one line against its sharded memory bank: scatter the patches to every shard, gather the nearest
/// neighbours with a timeout and keep the global nearest per patch; for each frame take the worst patch and its nearest
/// bank vector m*, fetch m* from its shard, ask every shard for its neighbours of m* with their distances to the worst
/// patch, merge them to N_b(m*) (PatchCore Eq. 7, computed per frame as anomalib does, never as an N x N table) and
/// reweight; build the anomaly map and the verdict. A shard that does not answer in time, or cannot, fails every frame
/// of the batch explicitly: never a score from part of the bank.
/// </summary>
public sealed class LineScorerActor : ReceiveActor, IWithTimers
{
    private readonly IActorRef _shards;
    private readonly TimeSpan _timeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<long, PendingBatch> _pending = new();
    private ModelDeployment _deployment;
    private AnomalyMapGenerator _maps;
    private long _nextQuery;
    private readonly TimeSpan _retryBudget;
    private static readonly TimeSpan RetryRound = TimeSpan.FromSeconds(2);

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="timeout">How long one round of a shard query may take.</param>
    /// <param name="retryBudget">
    /// How long a batch keeps asking shards that did not answer or had no bank yet (a shard restarting on another node
    /// after its node was lost) before its frames fail; the features are kept, so nothing is extracted again.
    /// </param>
    public LineScorerActor(ModelDeployment deployment, IActorRef shardRegion, TimeSpan timeout, TimeSpan? retryBudget = null)
    {
        _retryBudget = retryBudget ?? TimeSpan.Zero;
        _deployment = deployment;
        _shards = shardRegion;
        _timeout = timeout;
        _maps = new AnomalyMapGenerator(deployment.BlurSigma, CPU);

        Receive<ScoreFrames>(Start);
        Receive<NearestAnswer>(OnNearest);
        Receive<RowsAnswer>(OnRows);
        Receive<SupportAnswer>(OnSupport);
        Receive<ShardUnavailable>(u => AskAgainOrFail(u.QueryId, $"shard {u.EntityId} cannot answer: {u.Reason}", TimeSpan.FromMilliseconds(500)));
        Receive<GatherTimeout>(t => AskAgainOrFail(t.QueryId, TimeoutReason(t.QueryId), TimeSpan.Zero));
        Receive<AskAgain>(a => AskMissing(a.QueryId));
        Receive<ModelDeployment>(Switch);
    }

    public static Props Props(ModelDeployment deployment, IActorRef shardRegion, TimeSpan timeout, TimeSpan? retryBudget = null) =>
        Akka.Actor.Props.Create(() => new LineScorerActor(deployment, shardRegion, timeout, retryBudget));

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
        int patchesPerFrame = d.PatchGrid * d.PatchGrid;
        if (batch.Patches.Columns != d.Dimensions || batch.Patches.Rows != batch.Frames.Count * patchesPerFrame)
        {
            foreach (var frame in batch.Frames)
                Sender.Tell(InspectionResult.Failure(frame, d.Version,
                    $"patch block is {batch.Patches.Rows}x{batch.Patches.Columns}; model {d.Version} needs {batch.Frames.Count * patchesPerFrame}x{d.Dimensions}", 0));
            return;
        }
        var pending = new PendingBatch(batch, Sender, d, Stopwatch.StartNew());
        _pending[id] = pending;
        Ask(pending, s => new QueryNearest(d.ShardEntity(s), id, batch.Patches, 1, d.EffectiveKnnPrecision));
        Timers.StartSingleTimer(id, new GatherTimeout(id), _timeout);
    }

    private void OnNearest(NearestAnswer answer)
    {
        if (!_pending.TryGetValue(answer.QueryId, out var p) || p.Stage != GatherStage.Nearest) return; // late answer of a failed batch
        p.Nearest[ShardIndex(answer.EntityId)] = answer;
        if (p.Nearest.Count < p.Deployment.ShardCount) return;
        long started = Stopwatch.GetTimestamp();

        // Global nearest per patch; shards in index order with strict '<' keep the lowest index on ties, like one search.
        int m = p.Batch.Patches.Rows;
        p.PatchScores = new float[m];
        p.Locations = new long[m];
        Array.Fill(p.PatchScores, float.PositiveInfinity);
        for (int s = 0; s < p.Deployment.ShardCount; s++)
        {
            var a = p.Nearest[s];
            for (int i = 0; i < m; i++)
                if (a.Distances[i] < p.PatchScores[i]) { p.PatchScores[i] = a.Distances[i]; p.Locations[i] = a.Indices[i]; }
        }
        int frames = p.Batch.Frames.Count, perFrame = m / frames;
        p.MaxPatch = new int[frames];
        for (int f = 0; f < frames; f++)
        {
            int best = f * perFrame;
            for (int i = best + 1; i < (f + 1) * perFrame; i++) if (p.PatchScores[i] > p.PatchScores[best]) best = i;
            p.MaxPatch[f] = best;
        }
        RecordStep("merge", started, p);
        if (p.Deployment.NumNeighbors <= 1 || p.Deployment.BankSize <= 1)
        {
            Finish(answer.QueryId, p);
            return;
        }
        // Eq. 7 needs N_b(m*), the neighbours of each frame's m* in the whole bank: first fetch m* from its owner.
        p.Stage = GatherStage.Rows;
        var mStar = p.MaxPatch.Select(patch => p.Locations[patch]).ToArray();
        Ask(p, s => new QueryRows(p.Deployment.ShardEntity(s), answer.QueryId, mStar));
    }

    private void OnRows(RowsAnswer answer)
    {
        if (!_pending.TryGetValue(answer.QueryId, out var p) || p.Stage != GatherStage.Rows) return;
        p.Rows[ShardIndex(answer.EntityId)] = answer;
        if (p.Rows.Count < p.Deployment.ShardCount) return;
        long started = Stopwatch.GetTimestamp();

        int frames = p.Batch.Frames.Count, dims = p.Batch.Patches.Columns;
        var owned = new Dictionary<long, float[]>();
        foreach (var rows in p.Rows.Values)
        {
            var values = rows.Rows.ToFloats();
            for (int i = 0; i < rows.Indices.Length; i++) owned[rows.Indices[i]] = values.AsSpan(i * dims, dims).ToArray();
        }
        var centers = new float[frames * dims];
        var worst = new float[frames * dims];
        for (int f = 0; f < frames; f++)
        {
            if (!owned.TryGetValue(p.Locations![p.MaxPatch![f]], out var center))
            {
                Fail(answer.QueryId, $"no shard holds bank vector {p.Locations[p.MaxPatch[f]]} (inconsistent deployment)");
                return;
            }
            center.CopyTo(centers, f * dims);
            p.Batch.Patches.CopyRow(p.MaxPatch[f], worst.AsSpan(f * dims, dims)); // one row, not the batch's whole block
        }
        p.Stage = GatherStage.Support;
        var centerBlock = FeatureBlock.FromFloats(centers, frames, dims);
        var worstBlock = FeatureBlock.FromFloats(worst, frames, dims);
        Ask(p, s => new QuerySupport(p.Deployment.ShardEntity(s), answer.QueryId, centerBlock, worstBlock, p.Deployment.NumNeighbors,
            p.Deployment.EffectiveKnnPrecision));
        RecordStep("support", started, p);
    }

    private void OnSupport(SupportAnswer answer)
    {
        if (!_pending.TryGetValue(answer.QueryId, out var p) || p.Stage != GatherStage.Support) return;
        p.Support[ShardIndex(answer.EntityId)] = answer;
        if (p.Support.Count < p.Deployment.ShardCount) return;
        Finish(answer.QueryId, p);
    }

    /// <summary>
    /// Distances of frame <paramref name="f"/>'s worst patch to N_b(m*): the k candidates nearest to m* over all
    /// shards (ties to the lower index, as one search), m* first.
    /// </summary>
    private static float[] SupportDistances(PendingBatch p, int f)
    {
        int k = (int)Math.Min(p.Deployment.NumNeighbors, p.Deployment.BankSize);
        var candidates = new List<(float Center, long Index, float Patch)>();
        foreach (var a in p.Support.Values)
            for (int j = f * a.K; j < (f + 1) * a.K; j++) candidates.Add((a.CenterDistances[j], a.Indices[j], a.PatchDistances[j]));
        return candidates.OrderBy(c => c.Center).ThenBy(c => c.Index).Take(k).Select(c => c.Patch).ToArray();
    }

    private void Finish(long id, PendingBatch p)
    {
        Timers.Cancel(id);
        _pending.Remove(id);
        long started = Stopwatch.GetTimestamp();
        var d = p.Deployment;
        int frames = p.Batch.Frames.Count, grid = d.PatchGrid, size = d.ImageSize;
        var calibration = d.Calibration();
        float[] maps;
        using (var scope = NewDisposeScope())
        {
            var scores = tensor(p.PatchScores!, [frames, grid, grid]);
            maps = HostArrays.ToArray<float>(_maps.Generate(scores, size, size));
        }
        double latency = p.Clock.Elapsed.TotalMilliseconds;
        var results = new InspectionResult[frames];
        for (int f = 0; f < frames; f++)
        {
            float maxScore = p.PatchScores![p.MaxPatch![f]];
            float score = maxScore;
            if (p.Stage == GatherStage.Support) score = ImageScoreReweighting.Weighted(maxScore, SupportDistances(p, f));
            // Half precision: maps cross nodes to the line and end as 8-bit heatmaps; fp16's 11-bit mantissa is plenty,
            // and it halves the 256 KB a 256 x 256 map costs per frame.
            var map = FeatureBlock.FromFloats(maps.AsSpan(f * size * size, size * size), size, size, FeaturePrecision.Float16);
            results[f] = new InspectionResult(p.Batch.Frames[f], d.Version, score, calibration.NormaliseImage(score), score > d.ImageThreshold, null, latency, map);
        }
        // Timings first, so a result never arrives ahead of them.
        RecordStep("results", started, p);
        PipelineMetrics.Gather.Record(p.Clock.Elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("line", d.Line));
        foreach (var result in results) p.ReplyTo.Tell(result);
    }

    private static void RecordStep(string step, long started, PendingBatch p) =>
        PipelineMetrics.Scoring.Record(PipelineMetrics.Since(started),
            new KeyValuePair<string, object?>("line", p.Deployment.Line), new KeyValuePair<string, object?>("step", step));

    private void Fail(long id, string reason)
    {
        if (!_pending.Remove(id, out var p)) return;
        Timers.Cancel(id);
        _log.Warning("Line {0}: failing {1} frames: {2}", p.Deployment.Line, p.Batch.Frames.Count, reason);
        double latency = p.Clock.Elapsed.TotalMilliseconds;
        foreach (var frame in p.Batch.Frames) p.ReplyTo.Tell(InspectionResult.Failure(frame, p.Deployment.Version, reason, latency, retryable: true));
    }

    /// <summary>Sends the stage's query to every shard, keeping it to ask again the ones that do not answer.</summary>
    private void Ask(PendingBatch p, Func<int, object> query)
    {
        p.Query = query;
        for (int s = 0; s < p.Deployment.ShardCount; s++) _shards.Tell(query(s));
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
        p.LastProblem = reason;
        if (after > TimeSpan.Zero) Timers.StartSingleTimer(("again", id), new AskAgain(id), after);
        else AskMissing(id);
    }

    private void AskMissing(long id)
    {
        if (!_pending.TryGetValue(id, out var p) || p.Query == null) return;
        p.AskAgainPending = false;
        p.Rounds++;
        foreach (int s in Missing(p)) _shards.Tell(p.Query(s));
        // Later rounds are short: a shard back on another node answers at once, and buffered queries are not lost.
        Timers.StartSingleTimer(id, new GatherTimeout(id), TimeSpan.FromTicks(Math.Min(_timeout.Ticks, RetryRound.Ticks)));
    }

    private static IEnumerable<int> Missing(PendingBatch p)
    {
        IEnumerable<int> answered = p.Stage switch
        {
            GatherStage.Nearest => p.Nearest.Keys,
            GatherStage.Rows => p.Rows.Keys,
            _ => p.Support.Keys,
        };
        return Enumerable.Range(0, p.Deployment.ShardCount).Except(answered).ToList();
    }

    private string TimeoutReason(long id)
    {
        if (!_pending.TryGetValue(id, out var p)) return "";
        IEnumerable<int> answered = p.Stage switch
        {
            GatherStage.Nearest => p.Nearest.Keys,
            GatherStage.Rows => p.Rows.Keys,
            _ => p.Support.Keys,
        };
        var missing = Enumerable.Range(0, p.Deployment.ShardCount).Except(answered).Select(p.Deployment.ShardEntity);
        return $"shard(s) {string.Join(", ", missing)} did not answer within {_timeout.TotalSeconds:0.###} s";
    }

    private static int ShardIndex(string entityId) => int.Parse(entityId[(entityId.LastIndexOf('/') + 1)..]);

    protected override void PostStop()
    {
        _maps.Dispose();
        base.PostStop();
    }

    private sealed record GatherTimeout(long QueryId);

    private sealed record AskAgain(long QueryId);

    private enum GatherStage { Nearest, Rows, Support }

    private sealed class PendingBatch(ScoreFrames batch, IActorRef replyTo, ModelDeployment deployment, Stopwatch clock)
    {
        public ScoreFrames Batch { get; } = batch;
        public IActorRef ReplyTo { get; } = replyTo;
        public ModelDeployment Deployment { get; } = deployment;
        public Stopwatch Clock { get; } = clock;
        public GatherStage Stage { get; set; } = GatherStage.Nearest;
        public Dictionary<int, NearestAnswer> Nearest { get; } = new();
        public Dictionary<int, RowsAnswer> Rows { get; } = new();
        public Dictionary<int, SupportAnswer> Support { get; } = new();
        public float[]? PatchScores { get; set; }
        public long[]? Locations { get; set; }
        public int[]? MaxPatch { get; set; }
        public Func<int, object>? Query { get; set; }
        public int Rounds { get; set; }
        public bool AskAgainPending { get; set; }
        public string? LastProblem { get; set; }
    }
}
