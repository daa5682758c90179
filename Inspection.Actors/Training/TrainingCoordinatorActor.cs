using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using Akka.Event;
using Inspection.Actors.Extraction;
using Inspection.Actors.Messages;
using Inspection.Actors.Scoring;
using Inspection.Actors.Shards;
using Inspection.Engine.Data;
using Inspection.Engine.Evaluation;
using Inspection.Engine.Native;
using Inspection.Engine.PatchCore;

namespace Inspection.Actors.Training;

/// <summary>
/// Trains line models on this (gpu) node: takes a new version name from the registry, trains PatchCore on the folder's
/// good images, stores the bank in N shards, and only then activates the version in the registry, so the old version
/// serves until the new one is fully stored. The heavy work runs off the actor's thread; one training per line at a time.
/// <para>
/// Replica counts change without a retrain (<see cref="SetReplicas"/>); when a gpu node joins, the oldest gpu node's
/// coordinator gives every line that asks for one replica per gpu node (replicas 0) the replicas it now lacks, so a line
/// trained on one node is served from two as soon as a second is up.
/// </para>
/// </summary>
public sealed class TrainingCoordinatorActor : ReceiveActor
{
    private readonly IActorRef _registry;
    private readonly IActorRef _shards;
    private readonly PatchCoreSettings _settings;
    private readonly string _device;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<string> _training = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CancellationTokenSource> _jobs = new(StringComparer.Ordinal);

    private readonly IActorRef? _extractors;
    // Captured here: the training itself runs after awaits, where there is no actor context to ask.
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly IScheduler _scheduler = Context.System.Scheduler;

    /// <summary>How long the slices of the version a line served before stay loaded for its scorers' open batches.</summary>
    private static readonly TimeSpan RetireAfter = ModelTransfer.RetireAfter;

    /// <summary>Bank bytes per shard beyond which a line's default shard count grows.</summary>
    public const long DefaultShardBudget = 4L << 30;

    private readonly long _shardBudget;

    /// <param name="extractors">The cluster's training extractors (router); null extracts training features on this node.</param>
    /// <param name="shardBudget">Bank bytes per shard for the default shard count (<see cref="ShardsFor"/>).</param>
    public TrainingCoordinatorActor(IActorRef registry, IActorRef shardRegion, PatchCoreSettings settings, string device, IActorRef? extractors = null,
        long shardBudget = DefaultShardBudget)
    {
        _shardBudget = shardBudget;
        _extractors = extractors;
        _registry = registry;
        _shards = shardRegion;
        _settings = settings;
        _device = device;
        Receive<TrainLine>(c => Run(c.Line, c.JobId, cancel => Train(c, cancel)));
        Receive<AddGoodImages>(c => Run(c.Line, c.JobId, cancel => Extend(c, cancel)));
        Receive<SetReplicas>(c => Run(c.Line, c.JobId, cancel => ChangeReplicas(c, cancel)));
        Receive<ActivateVersion>(c => Run(c.Line, c.JobId, cancel => Activate(c, cancel)));
        Receive<Akka.Cluster.ClusterEvent.MemberUp>(up =>
        {
            if (up.Member.HasRole("gpu") && OldestGpuNode()) GrowAutomaticLines(up.Member);
        });
        Receive<Akka.Cluster.ClusterEvent.IClusterDomainEvent>(_ => { });
        Receive<CancelTraining>(c =>
        {
            if (_jobs.TryGetValue(c.JobId, out var job)) job.Cancel();
        });
        Receive<TrainingOutcome>(o =>
        {
            _training.Remove(o.Line);
            if (o.JobId != null && _jobs.Remove(o.JobId, out var job)) job.Dispose();
            o.ReplyTo.Tell(o.Result);
        });
    }

    public static Props Props(IActorRef registry, IActorRef shardRegion, PatchCoreSettings settings, string device, IActorRef? extractors = null,
        long shardBudget = DefaultShardBudget) =>
        Akka.Actor.Props.Create(() => new TrainingCoordinatorActor(registry, shardRegion, settings, device, extractors, shardBudget));

    protected override void PreStart()
    {
        if (Context.System is ExtendedActorSystem { Provider: Akka.Cluster.ClusterActorRefProvider })
            _cluster.Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(Akka.Cluster.ClusterEvent.MemberUp));
    }

    protected override void PostStop()
    {
        if (Context.System is ExtendedActorSystem { Provider: Akka.Cluster.ClusterActorRefProvider }) _cluster.Unsubscribe(Self);
        base.PostStop();
    }

    /// <param name="joined">A member just reported up: the cluster's read view may not show it yet when its event arrives.</param>
    private int GpuNodesUp(Akka.Cluster.Member? joined = null) => Math.Max(1, _cluster.State.Members
        .Where(m => m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole("gpu")).Select(m => m.UniqueAddress)
        .Union(joined is null ? [] : [joined.UniqueAddress]).Count());

    /// <summary>This node is the oldest gpu node up: one coordinator of the cluster reacts to a joining node.</summary>
    private bool OldestGpuNode()
    {
        var oldest = _cluster.State.Members.Where(m => m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole("gpu"))
            .OrderBy(m => m, Akka.Cluster.Member.AgeOrdering).FirstOrDefault();
        return oldest != null && oldest.Address == _cluster.SelfAddress;
    }

    /// <summary>Lines on automatic replicas (0) whose current version has fewer than one per gpu node up (at most 2) get them.</summary>
    private void GrowAutomaticLines(Akka.Cluster.Member joined)
    {
        int wanted = ReplicaPlacement.ReplicasFor(0, GpuNodesUp(joined));
        var (self, registry, log) = (Self, _registry, _log);
        Task.Run(async () =>
        {
            var lines = await registry.Ask<LineList>(new ListLines(), TimeSpan.FromSeconds(30));
            foreach (var line in lines.Lines.Where(l => l.Version != null))
            {
                var details = await registry.Ask<LineDetails>(new GetLine(line.Line), TimeSpan.FromSeconds(30));
                if (details.Settings.Replicas != 0 || details.Deployment is not { } d || d.Replicas >= wanted) continue;
                log.Info("Line {0} {1} has {2} replica(s) for {3} gpu nodes: adding replicas", d.Line, d.Version, d.Replicas, wanted);
                self.Tell(new SetReplicas(d.Line, wanted));
            }
        }).ContinueWith(t => log.Warning("Could not check lines' replica counts after a gpu node joined: {0}", t.Exception?.GetBaseException().Message),
            TaskContinuationOptions.OnlyOnFaulted);
    }

    private void Run(string line, string? jobId, Func<CancellationToken, Task<object>> work)
    {
        if (!_training.Add(line))
        {
            Sender.Tell(new TrainingFailed(line, $"line '{line}' is already being trained"));
            return;
        }
        var replyTo = Sender;
        var cancel = new CancellationTokenSource();
        if (jobId != null) _jobs[jobId] = cancel;
        Task.Run(() => work(cancel.Token)).ContinueWith(t => new TrainingOutcome(line, jobId, replyTo,
                t.IsCompletedSuccessfully ? t.Result
                : cancel.IsCancellationRequested ? new TrainingFailed(line, "cancelled", Cancelled: true)
                : new TrainingFailed(line, t.Exception?.GetBaseException().Message ?? "cancelled")))
            .PipeTo(Self);
    }

    /// <summary>Tells the job's requester where the work stands, and stops the work (by throwing) once it is cancelled.</summary>
    private sealed class JobProgress(string? jobId, IActorRef? to, CancellationToken cancel) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            cancel.ThrowIfCancellationRequested();
            if (jobId != null) to?.Tell(new TrainingProgressed(jobId, value.Stage, value.Done, value.Total));
        }
    }

    /// <summary>The node's training settings with a line's own backbone, image size and coreset ratio.</summary>
    private PatchCoreSettings SettingsFor(LineSettings? line)
    {
        if (line == null) return _settings;
        var settings = _settings with
        {
            Backbone = line.Backbone, ImageSize = line.SizeChoice().Size, AutoImagePixels = line.SizeChoice().AutoPixels, CoresetRatio = line.CoresetRatio,
            TileOverlap = line.Tiled ? line.TileOverlap : null,
            FalseRejectTarget = line.TrainingFalseRejectTarget,
            // A weights file belongs to the backbone it was given for.
            BackboneWeights = line.Backbone == _settings.Backbone ? _settings.BackboneWeights : null,
        };
        settings.Validate();
        return settings;
    }

    private async Task<object> Train(TrainLine command, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var settings = SettingsFor(command.Settings);
        var progress = new JobProgress(command.JobId, command.ProgressTo, cancel);
        var category = MvtecCategory.Open(command.DataFolder);
        var split = TrainingSplit.Of(category, settings);
        await _registry.Ask<LineRegistered>(new RegisterLine(command.Line), TimeSpan.FromSeconds(30));
        var previous = await _registry.Ask<object>(new GetDeployment(command.Line), TimeSpan.FromSeconds(30)) as ModelDeployment;
        var version = await _registry.Ask<VersionName>(new NextVersion(command.Line), TimeSpan.FromSeconds(30));
        // Training is synchronous TorchSharp work: run it on one pool thread so its dispose scopes stay on that thread.
        // Feature extraction is spread over every gpu node's extractor; coreset and calibration run here. A tiled line's
        // training features are extracted here: one large image's tiles would be hundreds of MB in one answer.
        var source = _extractors == null || settings.TileOverlap != null ? null : new DistributedPatchSource(_extractors, settings, window: 4, TimeSpan.FromMinutes(5));
        using var model = await Task.Run(() => new PatchCoreTrainer(settings, ComputeDevice.Resolve(_device), progress: progress).Train(split, null, category.Root, source), cancel);
        progress.Report(new TrainingProgress("storing", 0, 1));
        if (source != null)
            _log.Info("Training features of line {0}: {1}", command.Line, string.Join(", ", source.BatchesPerNode.Select(n => $"{n.Value} batches on {n.Key}")));
        int requested = command.Shards > 0 ? command.Shards : ShardsFor(model.BankSize, model.Metadata.EmbeddingDimensions, _shardBudget);
        int shards = Math.Max(1, Math.Min(requested, model.BankSize));
        int replicas = Replicas(command.Settings);
        var deployment = await ModelPublisher.Publish(_shards, model, command.Line, version.Version, shards, TimeSpan.FromMinutes(2), replicas: replicas)
            with { Source = $"folder {command.DataFolder}", CreatedBy = command.By };
        // The last point of no return: once activated, the new version serves.
        cancel.ThrowIfCancellationRequested();
        await _registry.Ask<ModelActivated>(new ActivateModel(deployment), TimeSpan.FromSeconds(60));
        progress.Report(new TrainingProgress("storing", 1, 1));
        RetireLater(previous);
        _log.Info("Line {0} now serves {1} ({2} bank vectors in {3} shards x {4} replicas)", command.Line, version.Version, model.BankSize, shards, replicas);
        var calibration = model.Metadata.Calibration;
        return new TrainingCompleted(command.Line, version.Version, model.Metadata.Training.Images, model.BankSize, shards, clock.Elapsed.TotalSeconds,
            calibration.GoodScores, calibration.DefectiveScores);
    }

    /// <summary>
    /// The current bank (read back from its shards) plus the new images' patches the greedy coreset would add to it
    /// (<see cref="ModelExtension"/>), published as the next version with the same calibration; nothing of the original
    /// training set is processed again.
    /// </summary>
    private async Task<object> Extend(AddGoodImages command, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        if (command.Files.Count == 0) return new TrainingFailed(command.Line, "no images were given");
        var current = await _registry.Ask<object>(new GetDeployment(command.Line), TimeSpan.FromSeconds(30));
        if (current is not ModelDeployment d)
            return new TrainingFailed(command.Line, (current as NoDeployment)?.Reason ?? $"the registry answered {current.GetType().Name}");
        var bank = await BankReader.Read(_shards, d, cancel);
        var version = await _registry.Ask<VersionName>(new NextVersion(command.Line), TimeSpan.FromSeconds(30));
        using var model = await Task.Run(() => ModelExtension.Extend(d.Metadata(), bank, command.Files, _settings, ComputeDevice.Resolve(_device),
            $"{d.Line} {d.Version} + {command.Files.Count} images"), cancel);
        var deployment = await ModelPublisher.Publish(_shards, model, command.Line, version.Version, d.ShardCount, TimeSpan.FromMinutes(2), replicas: d.Replicas)
            with { Source = $"{d.Version} + {command.Files.Count} good image(s)", CreatedBy = command.By };
        cancel.ThrowIfCancellationRequested();
        await _registry.Ask<ModelActivated>(new ActivateModel(deployment), TimeSpan.FromSeconds(60));
        RetireLater(d);
        _log.Info("Line {0} extended to {1}: {2} bank vectors (+{3})", command.Line, version.Version, model.BankSize, model.BankSize - d.BankSize);
        return new TrainingCompleted(command.Line, version.Version, command.Files.Count, model.BankSize, d.ShardCount, clock.Elapsed.TotalSeconds, [], []);
    }

    /// <summary>
    /// The current version with another replica count: added replicas are started (placement puts each on a node
    /// without a sibling) and must hold their slice, read from the shard's journal, before the deployment changes;
    /// removed ones are freed after the scorers' open batches.
    /// </summary>
    private async Task<object> ChangeReplicas(SetReplicas command, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        if (command.Replicas is < 0 or > 8) return new TrainingFailed(command.Line, $"replicas {command.Replicas} is out of range: 0 (one per gpu node, at most 2) to 8");
        var current = await _registry.Ask<object>(new GetDeployment(command.Line), TimeSpan.FromSeconds(30));
        if (current is not ModelDeployment d)
            return new TrainingFailed(command.Line, (current as NoDeployment)?.Reason ?? $"the registry answered {current.GetType().Name}");
        int target = ReplicaPlacement.ReplicasFor(command.Replicas, GpuNodesUp());
        var progress = new JobProgress(command.JobId, command.ProgressTo, cancel);
        int added = d.ShardCount * Math.Max(0, target - d.Replicas);
        progress.Report(new TrainingProgress("replicas", 0, Math.Max(1, added)));
        if (target > d.Replicas)
        {
            await RegionsKnown(Math.Min(target, GpuNodesUp()), TimeSpan.FromSeconds(30));
            int loaded = 0;
            await Task.WhenAll(Enumerable.Range(0, d.ShardCount).SelectMany(s => Enumerable.Range(d.Replicas, target - d.Replicas).Select(async r =>
            {
                await ModelPublisher.Loaded(_shards, d.ShardEntity(s, r), TimeSpan.FromMinutes(2));
                progress.Report(new TrainingProgress("replicas", Interlocked.Increment(ref loaded), added));
            })));
        }
        cancel.ThrowIfCancellationRequested();
        // A training elsewhere may have switched the line meanwhile: only the version read above changes.
        if (target != d.Replicas)
        {
            if (await _registry.Ask<object>(new GetDeployment(command.Line), TimeSpan.FromSeconds(30)) is ModelDeployment now && now.Version != d.Version)
                return new TrainingFailed(command.Line, $"line '{command.Line}' moved to {now.Version} meanwhile; its replicas are that training's");
            await _registry.Ask<ModelActivated>(new ActivateModel(d with { Replicas = target }), TimeSpan.FromSeconds(60));
            for (int s = 0; s < d.ShardCount; s++)
                for (int r = target; r < d.Replicas; r++)
                    _scheduler.ScheduleTellOnce(RetireAfter, _shards, new RetireSlice(d.ShardEntity(s, r)), ActorRefs.NoSender);
            _log.Info("Line {0} {1}: {2} replica(s) of each of its {3} shard(s), was {4}", d.Line, d.Version, target, d.ShardCount, d.Replicas);
        }
        progress.Report(new TrainingProgress("replicas", Math.Max(1, added), Math.Max(1, added)));
        return new TrainingCompleted(command.Line, d.Version, 0, d.BankSize, d.ShardCount, clock.Elapsed.TotalSeconds, [], []);
    }

    /// <summary>
    /// A kept version serves again: each replica of each of its shards is woken (asked its state until it holds its
    /// whole slice, recovered from the shard's journal), and only then is the version activated; the registry applies
    /// the line's threshold policy to it as to a new version.
    /// </summary>
    private async Task<object> Activate(ActivateVersion command, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var kept = await _registry.Ask<ModelVersions>(new GetModels(command.Line), TimeSpan.FromSeconds(30));
        if (!kept.Known) return new TrainingFailed(command.Line, $"unknown line '{command.Line}'");
        if (kept.Versions.FirstOrDefault(v => v.Version == command.Version) is not { } d)
            return new TrainingFailed(command.Line, $"line '{command.Line}' does not keep version {command.Version}; it keeps " +
                (kept.Versions.Count == 0 ? "none" : string.Join(", ", kept.Versions.Select(v => v.Version))));
        var previous = kept.Versions.FirstOrDefault(v => v.Version == kept.Active);
        if (kept.Active == d.Version) return new TrainingCompleted(command.Line, d.Version, 0, d.BankSize, d.ShardCount, clock.Elapsed.TotalSeconds, [], []);
        var progress = new JobProgress(command.JobId, command.ProgressTo, cancel);
        int entities = d.ShardCount * d.Replicas, loaded = 0;
        progress.Report(new TrainingProgress("loading", 0, entities));
        await ModelPublisher.AllLoaded(_shards, d, TimeSpan.FromMinutes(2),
            () => progress.Report(new TrainingProgress("loading", Interlocked.Increment(ref loaded), entities)));
        cancel.ThrowIfCancellationRequested();
        await _registry.Ask<ModelActivated>(new ActivateModel(d), TimeSpan.FromSeconds(60));
        RetireLater(previous);
        _log.Info($"Line {command.Line} serves {d.Version} again (was {kept.Active ?? "none"}), asked by {command.By ?? "unknown"}; " +
            $"its {d.ShardCount} shard(s) x {d.Replicas} replica(s) loaded in {clock.Elapsed.TotalSeconds:0.0} s");
        return new TrainingCompleted(command.Line, d.Version, 0, d.BankSize, d.ShardCount, clock.Elapsed.TotalSeconds, [], []);
    }

    /// <summary>
    /// Waits (at most <paramref name="timeout"/>) until the shard coordinator knows <paramref name="count"/> regions: a
    /// replica started before a joining node's region registered would be placed beside its sibling, and moved only
    /// by a later rebalance.
    /// </summary>
    private async Task RegionsKnown(int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var stats = await _shards.Ask<Akka.Cluster.Sharding.ClusterShardingStats>(new Akka.Cluster.Sharding.GetClusterShardingStats(TimeSpan.FromSeconds(3)),
                TimeSpan.FromSeconds(10));
            if (stats.Regions.Count >= count) return;
            await Task.Delay(200);
        }
    }

    /// <summary>Frees the slices of the version a line served before, once its scorers' open batches are done.</summary>
    private void RetireLater(ModelDeployment? previous) => VersionRetirement.Later(_registry, _shards, previous, _log);

    /// <summary>The default shard count: as few as keep each shard's float32 bank within <paramref name="budgetBytes"/>.
    /// One shard whenever the bank fits, so a node holding one replica of every shard holds the whole bank and scores
    /// the frames routed to it without sending their features to another node.</summary>
    public static int ShardsFor(long bankSize, int dimensions, long budgetBytes) =>
        (int)Math.Max(1, (bankSize * dimensions * sizeof(float) + budgetBytes - 1) / budgetBytes);

    /// <summary>The line's replica count, or (0) one per gpu node up now, at most 2.</summary>
    private int Replicas(LineSettings? settings) => ReplicaPlacement.ReplicasFor(settings?.Replicas ?? 0, GpuNodesUp());

    private sealed record TrainingOutcome(string Line, string? JobId, IActorRef ReplyTo, object Result);
}

/// <summary>Registry key of this node's training coordinator.</summary>
public sealed class TrainingCoordinator;

/// <summary>Registry key of the router to every gpu node's training coordinator.</summary>
public sealed class TrainingCoordinators;

public static class TrainingCoordinatorHosting
{
    /// <summary>This gpu node's training coordinator at /user/<see cref="Hosting.InspectionNodeHosting.TrainingPath"/>.</summary>
    public static Akka.Hosting.AkkaConfigurationBuilder WithTrainingCoordinator(this Akka.Hosting.AkkaConfigurationBuilder builder, PatchCoreSettings settings, string device) =>
        builder.WithActors(async (system, registry, _) =>
        {
            var models = await registry.GetAsync<Registry.ModelRegistry>();
            var shards = await registry.GetAsync<Shards.MemoryBankShardRegion>();
            var extractors = await registry.GetAsync<Extraction.TrainingExtractors>();
            registry.Register<TrainingCoordinator>(system.ActorOf(TrainingCoordinatorActor.Props(models, shards, settings, device, extractors),
                Hosting.InspectionNodeHosting.TrainingPath));
        });
}
