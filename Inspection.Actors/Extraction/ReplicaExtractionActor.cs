using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Messages;
using Inspection.Engine.Imaging;

namespace Inspection.Actors.Extraction;

/// <summary>
/// Extraction for this node's replicas: a scorer on another node sends the frames of a batch for this node's replica
/// of one of its shards (<see cref="QueryNearestOfFrames"/>, to the feature extractor, which passes them here with the
/// line's deployment): decoded on the thread pool, extracted here with the line's backbone, then asked of the replica
/// through this node's shard region, which answers the scorer. The frames decoded on the scorer's node, so a failure
/// here is this node's: the scorer then sends the features.
/// </summary>
public sealed class ReplicaExtractionActor : ReceiveActor
{
    private readonly BackboneCache _backbones;
    private readonly IActorRef _shards;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private string Address => Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();

    /// <param name="backbones">The extractor's resident backbones, shared with its other actors.</param>
    public ReplicaExtractionActor(BackboneCache backbones, IActorRef shardRegion)
    {
        _backbones = backbones;
        _shards = shardRegion;
        Receive<Deployed<QueryNearestOfFrames>>(query => Decode(query.Request, query.Deployment, Sender));
        Receive<Decoded>(Extract);
    }

    public static Props Props(BackboneCache backbones, IActorRef shardRegion) =>
        Akka.Actor.Props.Create(() => new ReplicaExtractionActor(backbones, shardRegion));

    private void Decode(QueryNearestOfFrames query, ModelDeployment deployment, IActorRef scorer)
    {
        var self = Self;
        var size = deployment.Input();
        Task.Run(() => query.Frames.Select(f => PreparedImage.FromBytes(f.Encoded, f.Source, size)).ToList())
            .ContinueWith(t => self.Tell(new Decoded(query, deployment, scorer, t.IsCompletedSuccessfully ? t.Result : null,
                t.Exception?.GetBaseException().Message)), TaskScheduler.Default);
    }

    private void Extract(Decoded decoded)
    {
        var (query, d, scorer) = (decoded.Query, decoded.Deployment, decoded.Scorer);
        if (decoded.Images is not { } images)
        {
            scorer.Tell(new FramesNotExtracted(query.EntityId, query.QueryId, $"decoding failed here: {decoded.Error}"));
            return;
        }
        try
        {
            long started = Stopwatch.GetTimestamp();
            var block = _backbones.Features(d, images);
            PipelineMetrics.Extraction.Record(PipelineMetrics.Since(started),
                new KeyValuePair<string, object?>("line", query.Line), new KeyValuePair<string, object?>("frames", images.Count),
                new KeyValuePair<string, object?>("node", Address), new KeyValuePair<string, object?>("for", "replica"));
            _shards.Tell(new QueryNearest(query.EntityId, query.QueryId, block, query.K, query.Precision, query.PatchesPerFrame, query.SupportK), scorer);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.Warning("Extracting {0} frames of line {1} for replica {2} failed: {3}", images.Count, query.Line, query.EntityId, e.Message);
            scorer.Tell(new FramesNotExtracted(query.EntityId, query.QueryId, $"extraction failed here: {e.Message}"));
        }
    }

    /// <summary>A query's frames decoded (Images), or not (Error says why).</summary>
    private sealed record Decoded(QueryNearestOfFrames Query, ModelDeployment Deployment, IActorRef Scorer, List<PreparedImage>? Images, string? Error);
}
