using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Cameras;
using Inspection.Actors.Extraction;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Inspection.Actors.Registry;
using Inspection.Actors.Shards;
using Inspection.Actors.Training;

namespace Inspection.Actors.Hosting;

/// <summary>
/// What a program on a node uses: start lines and cameras, train, ask the registry. <see cref="Lines"/> reaches every
/// line of the cluster (shard entities on ingest nodes); <see cref="StartLine"/> runs one on this node instead (CLI
/// node and demo). <see cref="Trainers"/> reaches the training coordinators of every gpu node.
/// </summary>
public sealed class InspectionPipeline(ActorSystem system, IActorRef registry, IActorRef extractors, IActorRef? trainer, IActorRef lines, IActorRef trainers,
    IActorRef? directory = null)
{
    public ActorSystem System => system;
    public IActorRef Registry => registry;
    public IActorRef Lines => lines;
    public IActorRef Trainers => trainers;

    public static async Task<InspectionPipeline> For(ActorSystem system)
    {
        var actors = ActorRegistry.For(system);
        var registry = await actors.GetAsync<ModelRegistry>();
        var extractors = await actors.GetAsync<FeatureExtractors>();
        actors.TryGet<TrainingCoordinator>(out var trainer);
        return new InspectionPipeline(system, registry, extractors, trainer, await actors.GetAsync<LineRegion>(), await actors.GetAsync<TrainingCoordinators>(),
            await actors.GetAsync<ReplicaDirectory>());
    }

    /// <summary>A line on this node; it routes its frames to the nodes holding its bank unless <paramref name="options"/> name another directory.</summary>
    public IActorRef StartLine(string line, LineOptions options) =>
        system.ActorOf(LineActor.Props(line, registry, extractors, options with { Directory = options.Directory ?? directory }), "line-" + Uri.EscapeDataString(line));

    /// <summary>
    /// A simulated camera on this node: the files replayed once at a fixed frame rate, whatever the line can take;
    /// frames the line refuses are dropped and counted, as a live camera's would be (<see cref="DropPolicy.Drop"/>), or
    /// offered again until it takes them (<see cref="DropPolicy.Wait"/>: every file scored, the replay slowed down).
    /// </summary>
    public IActorRef StartReplayCamera(string line, string camera, IActorRef lineActor, IReadOnlyList<string> files, double framesPerSecond, IActorRef? observer = null,
        DropPolicy policy = DropPolicy.Drop)
    {
        if (!(framesPerSecond > 0)) throw new ArgumentOutOfRangeException(nameof(framesPerSecond), framesPerSecond, "a replay needs a frame rate above 0");
        return StartCamera(line, camera, lineActor, () => new Engine.Cameras.ReplaySource(files, framesPerSecond), new CameraOptions { Policy = policy }, observer);
    }

    /// <summary>A camera of any source on this node (<see cref="CameraActor"/>).</summary>
    public IActorRef StartCamera(string line, string camera, IActorRef lineActor, Func<Engine.Cameras.IFrameSource> source, CameraOptions options, IActorRef? observer = null) =>
        system.ActorOf(CameraActor.Props(line, camera, source, lineActor, options, observer), $"camera-{Uri.EscapeDataString(line)}-{Uri.EscapeDataString(camera)}");

    /// <summary>
    /// Waits until this node's replica directory knows where every replica of <paramref name="deployment"/> runs, each
    /// shard's replicas on distinct nodes (a node whose region registered after the publish gets its replica by
    /// rebalancing, within a rebalance interval): lines route by it, so a run that starts earlier measures the start.
    /// </summary>
    /// <summary>Waits until this node sees <paramref name="count"/> members up (the cluster's own state, read every 100 ms).</summary>
    public async Task AwaitMembersUp(int count, TimeSpan timeout)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var waited = global::System.Diagnostics.Stopwatch.StartNew();
        while (cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) < count)
        {
            if (waited.Elapsed > timeout) throw new TimeoutException($"not {count} members up within {timeout.TotalSeconds:F0} s");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Waits until the bank's shard coordinator knows <paramref name="count"/> shard regions (one per gpu node): a shard's
    /// only replica goes to the least loaded region known when it starts and never moves, so a bank published before
    /// that can land on fewer nodes than the cluster has.
    /// </summary>
    public async Task AwaitShardRegions(int count, TimeSpan timeout)
    {
        var region = await ActorRegistry.For(system).GetAsync<MemoryBankShardRegion>();
        var waited = global::System.Diagnostics.Stopwatch.StartNew();
        while ((await region.Ask<Akka.Cluster.Sharding.ClusterShardingStats>(new Akka.Cluster.Sharding.GetClusterShardingStats(TimeSpan.FromSeconds(3)),
                   TimeSpan.FromSeconds(10))).Regions.Count < count)
        {
            if (waited.Elapsed > timeout) throw new TimeoutException($"not {count} shard regions registered within {timeout.TotalSeconds:F0} s");
            await Task.Delay(200);
        }
    }

    /// <returns>Where every replica runs, as the directory last reported it.</returns>
    public async Task<IReadOnlyDictionary<string, Address>> AwaitReplicasApart(ModelDeployment deployment, TimeSpan timeout)
    {
        if (directory is null) throw new InvalidOperationException("This pipeline has no replica directory.");
        var inbox = Inbox.Create(system);
        inbox.Send(directory, ReplicaDirectoryActor.Subscribe.Instance);
        bool Placed(ReplicaDirectoryActor.Locations l) => Enumerable.Range(0, deployment.ShardCount).All(s =>
        {
            var at = Enumerable.Range(0, deployment.Replicas).Select(r => l.Entities.GetValueOrDefault(deployment.ShardEntity(s, r))).ToList();
            return at.All(a => a != null) && at.Distinct().Count() == at.Count;
        });
        var waited = global::System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (await inbox.ReceiveAsync(timeout) is ReplicaDirectoryActor.Locations l && Placed(l)) return l.Entities;
            if (waited.Elapsed > timeout)
                throw new TimeoutException($"the replicas of {deployment.Line} {deployment.Version} were not placed apart within {timeout.TotalSeconds:F0} s");
        }
    }

    public Task<TrainingCompleted> Train(string line, string dataFolder, int shards, TimeSpan timeout) =>
        AskTrainer(line, new TrainLine(line, dataFolder, shards), timeout);

    public Task<TrainingCompleted> AddGoodImages(string line, IReadOnlyList<string> files, TimeSpan timeout) =>
        AskTrainer(line, new AddGoodImages(line, files), timeout);

    private async Task<TrainingCompleted> AskTrainer(string line, object command, TimeSpan timeout)
    {
        if (trainer == null) throw new InvalidOperationException("This node has no gpu role: it cannot train.");
        var reply = await trainer.Ask<object>(command, timeout);
        return reply switch
        {
            TrainingCompleted done => done,
            TrainingFailed failed => throw new InvalidOperationException($"Training line '{line}' failed: {failed.Reason}"),
            _ => throw new InvalidOperationException($"Unexpected reply {reply.GetType().Name}"),
        };
    }
}
