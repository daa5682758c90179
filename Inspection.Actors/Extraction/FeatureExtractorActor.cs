using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Messages;
using Inspection.Actors.Shards;
using Inspection.Actors.Registry;
using Inspection.Actors.Scoring;
using Inspection.Engine.Backbones;
using Inspection.Engine.Imaging;
using Inspection.Engine.Native;
using Inspection.Engine.PatchCore;
using static TorchSharp.torch;

namespace Inspection.Actors.Extraction;

/// <summary>
/// Feature extraction for inspection on one device (training features are <see cref="TrainingExtractorActor"/>'s):
/// decodes frames (an unusable image fails that frame alone, with the reason), micro-batches them per line up to a
/// batch size or a deadline, runs the line's backbone (loaded once, kept resident) and hands the patch features to the
/// line's scorer on this node, so features cross the network only to remote shards.
/// </summary>
public sealed class FeatureExtractorActor : ReceiveActor, IWithTimers
{
    private readonly IActorRef _registry;
    private readonly IActorRef _shards;
    private readonly ExtractionOptions _options;
    private readonly Device _device;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, ModelDeployment> _deployments = new();
    private readonly BackboneCache _backbones;
    private readonly Dictionary<string, IActorRef> _scorers = new();
    private readonly Dictionary<string, PendingLine> _pending = new();
    // Requests for a line whose deployment this node does not know yet: ExtractFrames and QueryNearestOfFrames.
    private readonly Dictionary<string, List<(object Request, IActorRef ReplyTo)>> _waiting = new();
    private long _frames;

    private string Address => Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();

    public ITimerScheduler Timers { get; set; } = null!;

    private readonly IActorRef? _directory;
    private IReadOnlyDictionary<string, Akka.Actor.Address>? _located;

    /// <param name="directory">This node's replica directory, for its scorers (null: they learn where replicas run from their answers).</param>
    public FeatureExtractorActor(IActorRef registry, IActorRef shardRegion, ExtractionOptions options, IActorRef? directory = null)
    {
        _directory = directory;
        _registry = registry;
        _shards = shardRegion;
        _options = options;
        _device = ComputeDevice.Resolve(options.Device);
        _backbones = new BackboneCache(_device);

        Receive<ExtractFrames>(request => Accept(request, Sender));
        Receive<GetExtractorStats>(_ => Sender.Tell(new ExtractorStats(Address, 0, _frames)));
        Receive<ModelDeployment>(Learn);
        Receive<DeploymentChanged>(changed => Learn(changed.Deployment));
        Receive<NoDeployment>(Unavailable);
        Receive<Status.Failure>(f => _log.Warning("Model registry did not answer: {0}", f.Cause.Message));
        Receive<FlushDeadline>(deadline => Flush(deadline.Line));
        Receive<Decoded>(decoded => Extract(decoded.Line, decoded.Batch));
        Receive<QueryNearestOfFrames>(query => ExtractForReplica(query, Sender));
        Receive<DecodedForReplica>(ExtractForReplica);
        Receive<DecodedForTiles>(StartTiles);
        Receive<TileAssemblerActor.BatchScored>(b => OnTileBatchScored(b.Key));
        Receive<TileAssemblerActor.Ended>(e => Forget(e.Key)); // failed or abandoned: cut no more of its tiles
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
        if (deployment.Tiled)
        {
            foreach (var frame in request.Frames) _tiledWaiting.Enqueue((frame, deployment, replyTo));
            DecodeNextTiled();
            return;
        }
        if (_pending.TryGetValue(request.Line, out var open) && open.Version != request.Version) Flush(request.Line); // never mix versions in a batch
        var pending = _pending.TryGetValue(request.Line, out var p) ? p : _pending[request.Line] = new PendingLine(deployment);
        foreach (var frame in request.Frames)
        {
            pending.Decodes.Add(Decode(frame, deployment.Input(), request.Line, request.Version, replyTo, Self));
            pending.Frames.Add(frame.Frame);
            pending.Captured.Add(frame);
            pending.ReplyTo.Add(replyTo);
        }
        if (pending.Frames.Count >= _options.BatchSize) Flush(request.Line);
        else if (pending.Frames.Count > 0 && !Timers.IsTimerActive(request.Line))
            Timers.StartSingleTimer(request.Line, new FlushDeadline(request.Line), _options.BatchDeadline);
    }

    /// <summary>
    /// Decodes and resizes a frame on the thread pool, from the moment it arrives: one actor decoding every line's frames
    /// in turn would cap a node at one core's rate (about 240 frames/s at 4.2 ms per tire frame here), far below what a
    /// GPU extracts. An unusable image fails its frame alone, at once and with the reason; its task then yields null.
    /// </summary>
    private static Task<PreparedImage?> Decode(CapturedFrame frame, Extent size, string line, string version, IActorRef replyTo, IActorRef self) => Task.Run(() =>
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            var image = PreparedImage.FromBytes(frame.Encoded, frame.Source, size);
            PipelineMetrics.Decode.Record(PipelineMetrics.Since(started), new KeyValuePair<string, object?>("line", line));
            return image;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            replyTo.Tell(InspectionResult.Failure(frame.Frame, version, DecodeFailure(e, frame.Source), 0), self);
            return (PreparedImage?)null;
        }
    });

    /// <summary>Why a frame did not decode: the decoder's own reason, or the exception's with the frame's name.</summary>
    private static string DecodeFailure(Exception e, string source) => e is ImageReadException ? e.Message : $"decoding {source} failed: {e.Message}";

    /// <summary>
    /// Decodes the next waiting frame of a tiled line on the thread pool, at its own size (no resize), while fewer than
    /// <see cref="TiledFrame.Window"/> tiled frames are decoded and not yet all cut: a decoded large frame is hundreds of
    /// MB, so frames arriving together wait encoded. An unusable image fails its frame at once, with the reason.
    /// </summary>
    private void DecodeNextTiled()
    {
        while (_tiledActive < TiledFrame.Window && _tiledWaiting.TryDequeue(out var next))
        {
            _tiledActive++;
            var (frame, deployment, replyTo) = next;
            var self = Self;
            Task.Run(() =>
            {
                long started = Stopwatch.GetTimestamp();
                try
                {
                    var bitmap = ImageDecoder.Decode(frame.Encoded, frame.Source);
                    PipelineMetrics.Decode.Record(PipelineMetrics.Since(started), new KeyValuePair<string, object?>("line", deployment.Line));
                    self.Tell(new DecodedForTiles(frame, deployment, replyTo, bitmap, null));
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    self.Tell(new DecodedForTiles(frame, deployment, replyTo, null, DecodeFailure(e, frame.Source)));
                }
            });
        }
    }

    // Tiled frames not yet decoded, and how many are decoded and not yet all cut into tiles.
    private readonly Queue<(CapturedFrame Frame, ModelDeployment Deployment, IActorRef ReplyTo)> _tiledWaiting = new();
    private int _tiledActive;

    /// <summary>
    /// A tiled frame: its tiles go through the backbone a batch at a time, each batch to the line's scorer as frames of
    /// their own, answered to the tile assembler, which stitches them into the frame's one result
    /// (<see cref="TileAssemblerActor"/>) and says when a batch is scored, so the next one is extracted then (memory:
    /// the decoded frame and <see cref="TiledFrame.Window"/> batches of tiles, whatever the frame's size).
    /// </summary>
    private void StartTiles(DecodedForTiles decoded)
    {
        var d = decoded.Deployment;
        if (decoded.Bitmap is not { } bitmap)
        {
            decoded.ReplyTo.Tell(InspectionResult.Failure(decoded.Frame.Frame, d.Version, decoded.Error!, 0));
            TiledDone();
            return;
        }
        ImageTiles tiles;
        try { tiles = new ImageTiles(bitmap, d.Input(), d.TileOverlap, decoded.Frame.Source); }
        catch (ArgumentException e)
        {
            bitmap.Dispose();
            decoded.ReplyTo.Tell(InspectionResult.Failure(decoded.Frame.Frame, d.Version, $"cannot tile {decoded.Frame.Source}: {e.Message}", 0));
            TiledDone();
            return;
        }
        var ids = Enumerable.Range(0, tiles.Count).Select(_ => new FrameId(d.Line, TileAssemblerActor.TileCamera, ++_tileIds)).ToArray();
        var frame = new TiledFrame(decoded.Frame, d, decoded.ReplyTo, bitmap, tiles, ids);
        _tiled[frame.Key] = frame;
        _frames++;
        Assembler().Tell(new TileAssemblerActor.Expect(decoded.Frame.Frame, d.Version, decoded.ReplyTo, tiles.Layout, ids, _options.BatchSize, frame.Key));
        while (_tiled.ContainsKey(frame.Key) && frame.Open < TiledFrame.Window && !frame.AllSent) SendTiles(frame);
    }

    /// <summary>Extracts the frame's next batch of tiles and sends it to the scorer; the frame is done here once all are sent.</summary>
    private void SendTiles(TiledFrame frame)
    {
        var d = frame.Deployment;
        var assembler = Assembler();
        if (_deployments.TryGetValue(d.Line, out var current) && current.Version != d.Version)
        {
            // A scorer of the old version made now would retire the new one's; the line tries the frame again on the new.
            assembler.Tell(new TileAssemblerActor.Failed(frame.Key, $"line '{d.Line}' moved to model {current.Version} while the tiles of {d.Version} were cut", Retryable: true));
            Forget(frame.Key);
            return;
        }
        try
        {
            long started = Stopwatch.GetTimestamp();
            var batch = frame.Tiles.Batch(frame.Next, _options.BatchSize);
            var block = _backbones.Features(d, batch);
            // Per batch, as for whole frames: the time between batches is the shards'.
            PipelineMetrics.Extraction.Record(PipelineMetrics.Since(started),
                new KeyValuePair<string, object?>("line", d.Line), new KeyValuePair<string, object?>("frames", batch.Count),
                new KeyValuePair<string, object?>("node", Address), new KeyValuePair<string, object?>("for", "tiles"));
            Scorer(d).Tell(new ScoreFrames(frame.Ids.Skip(frame.Next).Take(batch.Count).ToList(), block), assembler);
            frame.Next += batch.Count;
            frame.Open++;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.Error(e, "Feature extraction of the tiles of {0} failed", frame.Frame.Frame);
            assembler.Tell(new TileAssemblerActor.Failed(frame.Key, $"feature extraction failed: {e.Message}"));
            Forget(frame.Key);
            return;
        }
        if (frame.AllSent) Forget(frame.Key); // every tile is cut: the decoded frame is no longer needed
    }

    private void OnTileBatchScored(long key)
    {
        if (_tiled.TryGetValue(key, out var frame) && --frame.Open < TiledFrame.Window && !frame.AllSent) SendTiles(frame);
    }

    private void Forget(long key)
    {
        if (!_tiled.Remove(key, out var frame)) return;
        frame.Dispose();
        TiledDone();
    }

    /// <summary>A decoded tiled frame is no longer held here: the next waiting one may be decoded.</summary>
    private void TiledDone()
    {
        _tiledActive--;
        DecodeNextTiled();
    }

    private readonly Dictionary<long, TiledFrame> _tiled = new();

    private long _tileIds;

    private IActorRef Assembler()
    {
        var child = Context.Child("tiles");
        return child.IsNobody() ? Context.ActorOf(TileAssemblerActor.Props(_options.MaxMapPixels, Self), "tiles") : child;
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
            if (request is QueryNearestOfFrames query) ExtractForReplica(query, replyTo);
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

    /// <summary>
    /// A scorer on another node sends the frames of a batch for this node's replica of one of its shards: decoded on
    /// the thread pool, extracted here with the line's backbone, then asked of the replica through this node's shard
    /// region, which answers the scorer. The frames decoded on the scorer's node, so a failure here is this node's: the
    /// scorer then sends the features.
    /// </summary>
    private void ExtractForReplica(QueryNearestOfFrames query, IActorRef scorer)
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
        var self = Self;
        var size = deployment.Input();
        Task.Run(() => query.Frames.Select(f => PreparedImage.FromBytes(f.Encoded, f.Source, size)).ToList())
            .ContinueWith(t => self.Tell(new DecodedForReplica(query, deployment, scorer, t.IsCompletedSuccessfully ? t.Result : null,
                t.Exception?.GetBaseException().Message)), TaskScheduler.Default);
    }

    private void ExtractForReplica(DecodedForReplica decoded)
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
            _shards.Tell(new QueryNearest(query.EntityId, query.QueryId, block, query.K, query.Precision), scorer);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.Warning("Extracting {0} frames of line {1} for replica {2} failed: {3}", images.Count, query.Line, query.EntityId, e.Message);
            scorer.Tell(new FramesNotExtracted(query.EntityId, query.QueryId, $"extraction failed here: {e.Message}"));
        }
    }

    /// <summary>
    /// Closes the line's batch: once all its frames are decoded (on the thread pool; this actor does not wait for them),
    /// it is extracted. Frames arriving meanwhile start the next batch.
    /// </summary>
    private void Flush(string line)
    {
        Timers.Cancel(line);
        if (!_pending.Remove(line, out var pending) || pending.Frames.Count == 0) return;
        var self = Self;
        Task.WhenAll(pending.Decodes).ContinueWith(_ => self.Tell(new Decoded(line, pending)), TaskScheduler.Default);
    }

    private void Extract(string line, PendingLine pending)
    {
        pending.KeepDecoded(); // frames that did not decode have had their failed result
        if (pending.Frames.Count == 0) return;
        var deployment = pending.Deployment; // the version its frames were sent for, even if the line has moved on since
        try
        {
            _frames += pending.Frames.Count;
            long started = Stopwatch.GetTimestamp();
            var block = _backbones.Features(deployment, pending.Images);
            PipelineMetrics.Extraction.Record(PipelineMetrics.Since(started),
                new KeyValuePair<string, object?>("line", line), new KeyValuePair<string, object?>("frames", pending.Frames.Count),
                new KeyValuePair<string, object?>("node", Address));
            var scorer = Scorer(deployment);
            // One scoring batch per requester, so each result goes back to the line that sent the frame.
            var groups = Enumerable.Range(0, pending.Frames.Count).GroupBy(i => pending.ReplyTo[i]).ToList();
            if (groups.Count == 1) scorer.Tell(new ScoreFrames(pending.Frames, block, pending.Captured), groups[0].Key);
            else
            {
                int rowsPerFrame = block.Rows / pending.Frames.Count, width = block.Data.Length / pending.Frames.Count; // bytes per frame
                foreach (var group in groups)
                {
                    var frames = group.ToList();
                    var bytes = new byte[frames.Count * width];
                    for (int g = 0; g < frames.Count; g++) Array.Copy(block.Data, (long)frames[g] * width, bytes, (long)g * width, width);
                    scorer.Tell(new ScoreFrames(frames.Select(i => pending.Frames[i]).ToList(),
                        new FeatureBlock(frames.Count * rowsPerFrame, block.Columns, block.Precision, bytes), frames.Select(i => pending.Captured[i]).ToList()), group.Key);
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.Error(e, "Feature extraction failed for line {0}", line);
            for (int i = 0; i < pending.Frames.Count; i++)
                pending.ReplyTo[i].Tell(InspectionResult.Failure(pending.Frames[i], pending.Version, $"feature extraction failed: {e.Message}", 0));
        }
    }

    private long _scorersMade; // a version's scorer made again after it retired gets a fresh name

    private IActorRef Scorer(ModelDeployment d)
    {
        string key = $"{d.Line}/{d.Version}";
        if (!_scorers.TryGetValue(key, out var scorer))
        {
            // The line's scorers of other versions finish the batches they have and stop: a line serves one version.
            foreach (var retired in _scorers.Where(x => x.Key.StartsWith(d.Line + "/", StringComparison.Ordinal)).ToList())
            {
                retired.Value.Tell(LineScorerActor.Retire.Instance);
                _scorers.Remove(retired.Key);
            }
            _scorers[key] = scorer = Context.ActorOf(LineScorerActor.Props(d, _shards, _options.ShardTimeout, _options.ShardRetryBudget, _options.PreferLocalReplicas, _directory, _located,
                    _options.ShipFrames ? Self.Path.Name : null).WithDispatcher(Hosting.ComputeDispatcher.Id),
                Uri.EscapeDataString($"scorer-{d.Line}-{d.Version}-{++_scorersMade}"));
        }
        return scorer;
    }

    protected override void PostStop()
    {
        foreach (var frame in _tiled.Values) frame.Dispose();
        _backbones.Dispose();
        base.PostStop();
    }

    private sealed record FlushDeadline(string Line);

    private sealed record Decoded(string Line, PendingLine Batch);

    /// <summary>A tiled frame decoded (Bitmap), or not (Error says why).</summary>
    private sealed record DecodedForTiles(CapturedFrame Frame, ModelDeployment Deployment, IActorRef ReplyTo, SkiaSharp.SKBitmap? Bitmap, string? Error);

    private sealed record DecodedForReplica(QueryNearestOfFrames Query, ModelDeployment Deployment, IActorRef Scorer, List<PreparedImage>? Images, string? Error);

    private sealed class PendingLine(ModelDeployment deployment)
    {
        public ModelDeployment Deployment { get; } = deployment;
        public string Version => Deployment.Version;
        public List<FrameId> Frames { get; } = [];
        public List<CapturedFrame> Captured { get; } = [];
        public List<Task<PreparedImage?>> Decodes { get; } = [];
        public List<IActorRef> ReplyTo { get; } = [];
        public List<PreparedImage> Images { get; } = [];

        /// <summary>
        /// Keeps the frames that decoded (every decode has ended), with <see cref="Frames"/>, <see cref="Captured"/>,
        /// <see cref="ReplyTo"/> and <see cref="Images"/> aligned.
        /// </summary>
        public void KeepDecoded()
        {
            var frames = new List<FrameId>();
            var captured = new List<CapturedFrame>();
            var replies = new List<IActorRef>();
            for (int i = 0; i < Decodes.Count; i++)
            {
                if (Decodes[i].Result is not { } image) continue; // ended: Flush waited for all of them
                Images.Add(image);
                frames.Add(Frames[i]);
                captured.Add(Captured[i]);
                replies.Add(ReplyTo[i]);
            }
            Frames.Clear();
            Frames.AddRange(frames);
            Captured.Clear();
            Captured.AddRange(captured);
            ReplyTo.Clear();
            ReplyTo.AddRange(replies);
        }
    }
}

/// <summary>Registry key of this node's feature extractor.</summary>
public sealed class FeatureExtractor;
