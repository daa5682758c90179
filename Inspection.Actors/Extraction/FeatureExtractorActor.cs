using Akka.Actor;
using Akka.Hosting;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Inspection.Actors.Messages;
using Inspection.Actors.Registry;
using Inspection.Actors.Scoring;
using Inspection.Actors.Shards;
using Inspection.Engine.Native;

namespace Inspection.Actors.Extraction;

/// <summary>
/// Feature extraction for inspection on one device (training features are <see cref="TrainingExtractorActor"/>'s),
/// at the path other nodes and lines send to: learns each line's deployment (asking the registry, parking requests
/// meanwhile) and passes the work to its actors, which share its resident backbones: a line's frames to
/// <see cref="FrameBatchingActor"/> (micro-batches) or, for a tiled line, <see cref="TiledExtractionActor"/>, and other
/// nodes' frames for this node's replicas to <see cref="ReplicaExtractionActor"/>. The features of a line's frames come
/// back here for the line's scorer on this node (one <see cref="LineScorerActor"/> per line version, made here), so
/// features cross the network only to remote shards. A line's shadow version scores the same features when it computes
/// them (<see cref="ShadowFeatures.Shared"/>); otherwise its sampled frames go through batching or tiling actors of
/// its own, so they never delay or split the active version's batches, and answer the shadow's scorer.
/// </summary>
public sealed class FeatureExtractorActor : ReceiveActor
{
    private readonly IActorRef _registry;
    private readonly IActorRef _shards;
    private readonly ExtractionOptions _options;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, ModelDeployment> _deployments = new();
    private readonly BackboneCache _backbones;
    private readonly IActorRef _batches;
    private readonly IActorRef _tiles;
    private readonly IActorRef _replicas;
    private readonly IActorRef _images;
    private readonly IActorRef _shadows;
    private readonly IActorRef _shadowBatches;
    private readonly IActorRef _shadowTiles;
    private readonly Dictionary<string, IActorRef> _scorers = new();
    private long _scorersMade; // a version's scorer made again after it retired gets a fresh name
    // Requests for a line whose deployment this node does not know yet: ExtractFrames and QueryNearestOfFrames.
    private readonly Dictionary<string, List<(object Request, IActorRef ReplyTo)>> _waiting = new();
    private long _frames;

    private readonly IActorRef? _directory;
    private IReadOnlyDictionary<string, Akka.Actor.Address>? _located;

    private string Address => Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();

    /// <param name="directory">This node's replica directory, for its scorers (null: they learn where replicas run from their answers).</param>
    public FeatureExtractorActor(IActorRef registry, IActorRef shardRegion, ExtractionOptions options, IActorRef? directory = null)
    {
        _directory = directory;
        _registry = registry;
        _shards = shardRegion;
        _options = options;
        _backbones = new BackboneCache(ComputeDevice.Resolve(options.Device));
        // On this actor's dispatcher, as the extraction was when it was this actor's own.
        string dispatcher = Context.Props.Dispatcher;
        _images = Context.ActorOf(Results.ResultImagesActor.Props(options.ImagesFolder, options.Disk), "images");
        _shadows = Context.ActorOf(ShadowRecorderActor.Props(options.ShadowStore), "shadows");
        _batches = Context.ActorOf(FrameBatchingActor.Props(_backbones, options).WithDispatcher(dispatcher), "batches");
        _tiles = Context.ActorOf(TiledExtractionActor.Props(_backbones, options, _images).WithDispatcher(dispatcher), "tiled");
        _replicas = Context.ActorOf(ReplicaExtractionActor.Props(_backbones, shardRegion).WithDispatcher(dispatcher), "replicas");
        _shadowBatches = Context.ActorOf(FrameBatchingActor.Props(_backbones, options).WithDispatcher(dispatcher), "shadow-batches");
        _shadowTiles = Context.ActorOf(TiledExtractionActor.Props(_backbones, options).WithDispatcher(dispatcher), "shadow-tiled");

        Receive<ExtractFrames>(request => Accept(request, Sender));
        Receive<QueryNearestOfFrames>(query => ForReplica(query, Sender));
        Receive<GetExtractorStats>(_ => Sender.Tell(new ExtractorStats(Address, 0, _frames)));
        Receive<ModelDeployment>(Learn);
        Receive<DeploymentChanged>(changed => Learn(changed.Deployment));
        Receive<NoDeployment>(Unavailable);
        Receive<Status.Failure>(f => _log.Warning("Model registry did not answer: {0}", f.Cause.Message));
        Receive<ScoreBatch>(OnBatch);
        Receive<ScoreTiles>(OnTiles);
        Receive<SubscribeAck>(_ => { });
        Receive<ReplicaDirectoryActor.Locations>(l => _located = l.Entities);
    }

    public static Props Props(IActorRef registry, IActorRef shardRegion, ExtractionOptions options, IActorRef? directory = null) =>
        Akka.Actor.Props.Create(() => new FeatureExtractorActor(registry, shardRegion, options, directory));

    protected override void PreStart()
    {
        _directory?.Tell(ReplicaDirectoryActor.Subscribe.Instance);
        try { DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(ModelRegistryActor.Topic, Self)); }
        catch (Exception e) when (e is not OutOfMemoryException) { _log.Info("No distributed pub-sub ({0}); model switches arrive from the registry only", e.Message); }
    }

    private void Accept(ExtractFrames request, IActorRef replyTo)
    {
        if (!_deployments.TryGetValue(request.Line, out var deployment) || deployment.Version != request.Version)
        {
            Park(request.Line, request, replyTo); // unknown here, or an older version than the line asks for
            return;
        }
        (deployment.Tiled ? _tiles : _batches).Tell(new Deployed<ExtractFrames>(request, deployment), replyTo);
        // A shadow of other features: the sampled request extracted again for it, its answers to the recorder only.
        if (deployment.Shadow is { } shadow && !ShadowFeatures.Shared(deployment, shadow) && ShadowFeatures.Sampled(deployment))
            _shadows.Tell(new ShadowRecorderActor.Extract(shadow, request, shadow.Tiled ? _shadowTiles : _shadowBatches));
    }

    private void ForReplica(QueryNearestOfFrames query, IActorRef scorer)
    {
        if (!_deployments.TryGetValue(query.Line, out var deployment))
        {
            Park(query.Line, query, scorer);
            return;
        }
        if (deployment.Version != query.Version)
        {
            scorer.Tell(new FramesNotExtracted(query.EntityId, query.QueryId, $"this node serves {deployment.Version} of line '{query.Line}', not {query.Version}"));
            return;
        }
        _replicas.Tell(new Deployed<QueryNearestOfFrames>(query, deployment), scorer);
    }

    /// <summary>Asks the registry for the line's deployment and parks the request meanwhile.</summary>
    private void Park(string line, object request, IActorRef replyTo)
    {
        if (!_waiting.TryGetValue(line, out var parked)) _waiting[line] = parked = [];
        parked.Add((request, replyTo));
        if (parked.Count == 1) _registry.Ask<object>(new GetDeployment(line), TimeSpan.FromSeconds(10)).PipeTo(Self);
    }

    private void Learn(ModelDeployment deployment)
    {
        _deployments[deployment.Line] = deployment;
        // The same version changed (its replica count): the scorer serving it asks the new replicas from its next batch.
        if (_scorers.TryGetValue($"{deployment.Line}/{deployment.Version}", out var serving)) serving.Tell(deployment);
        if (!_waiting.Remove(deployment.Line, out var parked)) return;
        foreach (var (request, replyTo) in parked)
        {
            if (request is QueryNearestOfFrames query) ForReplica(query, replyTo);
            else if (request is ExtractFrames frames && frames.Version == deployment.Version) Accept(frames, replyTo);
            else if (request is ExtractFrames stale)
                foreach (var f in stale.Frames)
                    replyTo.Tell(InspectionResult.Failure(f.Frame, stale.Version, $"model {stale.Version} of line '{stale.Line}' is not served (current: {deployment.Version})", 0, retryable: true));
        }
    }

    private void Unavailable(NoDeployment missing)
    {
        if (!_waiting.Remove(missing.Line, out var parked)) return;
        foreach (var (request, replyTo) in parked)
        {
            if (request is QueryNearestOfFrames query) replyTo.Tell(new FramesNotExtracted(query.EntityId, query.QueryId, missing.Reason));
            else if (request is ExtractFrames frames)
                foreach (var f in frames.Frames) replyTo.Tell(InspectionResult.Failure(f.Frame, frames.Version, missing.Reason, 0));
        }
    }

    private void OnBatch(ScoreBatch batch)
    {
        var d = batch.Deployment;
        if (Sender.Equals(_shadowBatches))
        {
            Scorer(d, shadowing: true).Tell(batch.Batch, batch.ReplyTo); // a shadow's own features, answered to the recorder
            return;
        }
        _frames += batch.Batch.Frames.Count;
        // The version its frames were sent for, even if the line has moved on since.
        Scorer(d).Tell(batch.Batch, batch.ReplyTo);
        // The same features to the line's shadow, if this batch is in its sample; its answers go to the recorder only.
        if (d.Shadow is { } shadow && ShadowFeatures.Shared(d, shadow) && ShadowFeatures.Sampled(d))
            _shadows.Tell(new ShadowRecorderActor.Score(shadow, batch.Batch, Scorer(shadow, shadowing: true)));
    }

    private void OnTiles(ScoreTiles tiles)
    {
        var d = tiles.Deployment;
        if (Sender.Equals(_shadowTiles))
        {
            Scorer(d, shadowing: true).Tell(tiles.Batch, tiles.Assembler); // a tiled shadow's tiles, its assembler answering the recorder
            return;
        }
        if (tiles.First) _frames++;
        if (_deployments.TryGetValue(d.Line, out var current) && current.Version != d.Version)
        {
            // A scorer of the old version made now would retire the new one's; the line tries the frame again on the new.
            // The assembler ends the frame, which tells the tiled actor to cut no more of it.
            tiles.Assembler.Tell(new TileAssemblerActor.Failed(tiles.Key, $"line '{d.Line}' moved to model {current.Version} while the tiles of {d.Version} were cut", Retryable: true));
            return;
        }
        Scorer(d).Tell(tiles.Batch, tiles.Assembler);
    }

    /// <summary>
    /// The line's scorer of a version on this node, made when first needed. The line's scorers of other versions (but
    /// the version's shadow) finish the batches they have and stop: a line serves one version, and shadows one at most.
    /// A shadow's scorer is its own (<paramref name="shadowing"/>): its results keep no images and go to the recorder.
    /// </summary>
    private IActorRef Scorer(ModelDeployment d, bool shadowing = false)
    {
        string key = ScorerKey(d.Line, d.Version, shadowing);
        if (!shadowing)
        {
            string? shadowKey = d.Shadow is { } s ? ScorerKey(d.Line, s.Version, shadowing: true) : null;
            foreach (var retired in _scorers.Where(x => x.Key.StartsWith(d.Line + "/", StringComparison.Ordinal) && x.Key != key && x.Key != shadowKey).ToList())
            {
                retired.Value.Tell(LineScorerActor.Retire.Instance);
                _scorers.Remove(retired.Key);
            }
        }
        if (!_scorers.TryGetValue(key, out var scorer))
            _scorers[key] = scorer = Context.ActorOf(LineScorerActor.Props(d, _shards, _options.ShardTimeout, _options.ShardRetryBudget, _options.PreferLocalReplicas, _directory, _located,
                    _options.ShipFrames && !shadowing ? Self.Path.Name : null, shadowing ? null : _images).WithDispatcher(Hosting.ComputeDispatcher.Id),
                Uri.EscapeDataString($"{(shadowing ? "shadow" : "scorer")}-{d.Line}-{d.Version}-{++_scorersMade}"));
        return scorer;
    }

    private static string ScorerKey(string line, string version, bool shadowing) => $"{line}/{version}" + (shadowing ? "/shadow" : "");

    protected override void PostStop()
    {
        _backbones.Dispose(); // its actors, children of this one, have stopped
        base.PostStop();
    }

    /// <summary>From <see cref="FrameBatchingActor"/>: a batch's features for the line's scorer of its version, answered to ReplyTo.</summary>
    public sealed record ScoreBatch(ModelDeployment Deployment, ScoreFrames Batch, IActorRef ReplyTo);

    /// <summary>
    /// From <see cref="TiledExtractionActor"/>: a batch of the tiles of the frame the assembler knows as Key (First: its
    /// first batch), for the line's scorer of its version, answered to the assembler.
    /// </summary>
    public sealed record ScoreTiles(ModelDeployment Deployment, ScoreFrames Batch, IActorRef Assembler, long Key, bool First);
}

/// <summary>Registry key of this node's feature extractor.</summary>
public sealed class FeatureExtractor;

public static class FeatureExtractorHosting
{
    /// <summary>This gpu node's feature extractor at /user/<see cref="Hosting.InspectionNodeHosting.FeatureExtractorPath"/>, on the compute dispatcher.</summary>
    public static Akka.Hosting.AkkaConfigurationBuilder WithFeatureExtractor(this Akka.Hosting.AkkaConfigurationBuilder builder, ExtractionOptions options) =>
        builder.WithActors(async (system, registry, _) =>
        {
            var models = await registry.GetAsync<Registry.ModelRegistry>();
            var shards = await registry.GetAsync<Shards.MemoryBankShardRegion>();
            var directory = await registry.GetAsync<Shards.ReplicaDirectory>();
            registry.Register<FeatureExtractor>(system.ActorOf(FeatureExtractorActor.Props(models, shards, options, directory)
                .WithDispatcher(Hosting.ComputeDispatcher.Id), Hosting.InspectionNodeHosting.FeatureExtractorPath));
        });
}
