using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Messages;
using Inspection.Actors.Scoring;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using SkiaSharp;
using Inspection.Engine.Tiling;

namespace Inspection.Actors.Extraction;

/// <summary>
/// The tiled frames of a feature extractor (<see cref="FeatureExtractorActor"/>, which sends it the frames of tiled
/// lines): each is decoded at its own size and cut into tiles, which go through the backbone a batch at a time, each
/// batch to the line's scorer (through the extractor) as frames of their own, answered to the tile assembler, which
/// stitches them into the frame's one result (<see cref="TileAssemblerActor"/>) and says when a batch is scored, so the
/// next one is extracted then. Memory: at most <see cref="TiledFrame.Window"/> frames held decoded (the others wait
/// encoded), each with at most <see cref="TiledFrame.Window"/> batches of tiles at the scorer, whatever its size.
/// </summary>
public sealed class TiledExtractionActor : ReceiveActor
{
    private readonly BackboneCache _backbones;
    private readonly ExtractionOptions _options;
    private readonly IActorRef? _images;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Tiled frames not yet decoded, and those decoded and not yet all cut into tiles.
    private readonly DecodeWindow<(CapturedFrame Frame, ModelDeployment Deployment, IActorRef ReplyTo)> _decoding = new(TiledFrame.Window);
    private readonly Dictionary<long, TiledFrame> _tiled = new();
    private long _tileIds;

    private string Address => Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();

    /// <param name="backbones">The extractor's resident backbones, shared with its other actors.</param>
    /// <param name="images">This node's result images, which keep a tiled frame's images and then give its line the result.</param>
    public TiledExtractionActor(BackboneCache backbones, ExtractionOptions options, IActorRef? images = null)
    {
        _images = images;
        _backbones = backbones;
        _options = options;
        Receive<Deployed<ExtractFrames>>(frames =>
        {
            foreach (var frame in frames.Request.Frames) _decoding.Enqueue((frame, frames.Deployment, Sender));
            DecodeNext();
        });
        Receive<Decoded>(Start);
        Receive<TileAssemblerActor.BatchScored>(b => OnBatchScored(b.Key));
        Receive<TileAssemblerActor.Ended>(e => Forget(e.Key)); // failed or abandoned: cut no more of its tiles
    }

    public static Props Props(BackboneCache backbones, ExtractionOptions options, IActorRef? images = null) =>
        Akka.Actor.Props.Create(() => new TiledExtractionActor(backbones, options, images));

    /// <summary>
    /// Decodes the next waiting frames on the thread pool, at their own size (no resize), while the window has room.
    /// An unusable image fails its frame at once, with the reason.
    /// </summary>
    private void DecodeNext()
    {
        var self = Self;
        foreach (var (frame, deployment, replyTo) in _decoding.Start())
            Task.Run(() =>
            {
                long started = Stopwatch.GetTimestamp();
                try
                {
                    var bitmap = ImageDecoder.Decode(frame.Encoded, frame.Source);
                    PipelineMetrics.Decode.Record(PipelineMetrics.Since(started), new KeyValuePair<string, object?>("line", deployment.Line));
                    self.Tell(new Decoded(frame, deployment, replyTo, bitmap, null));
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    self.Tell(new Decoded(frame, deployment, replyTo, null, DecodeFailure.Reason(e, frame.Source)));
                }
            });
    }

    /// <summary>A decoded frame: cut into tiles, announced to the assembler, and its first batches of tiles sent.</summary>
    private void Start(Decoded decoded)
    {
        var d = decoded.Deployment;
        if (decoded.Bitmap is not { } bitmap)
        {
            decoded.ReplyTo.Tell(InspectionResult.Failure(decoded.Frame.Frame, d.Version, decoded.Error!, 0));
            Done();
            return;
        }
        ImageTiles tiles;
        try { tiles = new ImageTiles(bitmap, d.Input(), d.TileOverlap, decoded.Frame.Source); }
        catch (ArgumentException e)
        {
            bitmap.Dispose();
            decoded.ReplyTo.Tell(InspectionResult.Failure(decoded.Frame.Frame, d.Version, $"cannot tile {decoded.Frame.Source}: {e.Message}", 0));
            Done();
            return;
        }
        var ids = Enumerable.Range(0, tiles.Count).Select(_ => new FrameId(d.Line, TileAssemblerActor.TileCamera, ++_tileIds)).ToArray();
        var frame = new TiledFrame(decoded.Frame, d, decoded.ReplyTo, bitmap, tiles, ids);
        _tiled[frame.Key] = frame;
        Assembler().Tell(new TileAssemblerActor.Expect(decoded.Frame.Frame, d.Version, decoded.ReplyTo, tiles.Layout, ids, _options.BatchSize, frame.Key,
            decoded.Frame, d));
        while (_tiled.ContainsKey(frame.Key) && frame.Open < TiledFrame.Window && !frame.AllSent) SendTiles(frame);
    }

    /// <summary>Extracts the frame's next batch of tiles and sends it to the scorer; the frame is done here once all are sent.</summary>
    private void SendTiles(TiledFrame frame)
    {
        var d = frame.Deployment;
        var assembler = Assembler();
        try
        {
            long started = Stopwatch.GetTimestamp();
            var batch = frame.Tiles.Batch(frame.Next, _options.BatchSize);
            var block = _backbones.Features(d, batch);
            // Per batch, as for whole frames: the time between batches is the shards'.
            PipelineMetrics.Extraction.Record(PipelineMetrics.Since(started),
                new KeyValuePair<string, object?>("line", d.Line), new KeyValuePair<string, object?>("frames", batch.Count),
                new KeyValuePair<string, object?>("node", Address), new KeyValuePair<string, object?>("for", "tiles"));
            var tiles = new ScoreFrames(frame.Ids.Skip(frame.Next).Take(batch.Count).ToList(), block);
            Context.Parent.Tell(new FeatureExtractorActor.ScoreTiles(d, tiles, assembler, frame.Key, First: frame.Next == 0));
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

    private void OnBatchScored(long key)
    {
        if (_tiled.TryGetValue(key, out var frame) && --frame.Open < TiledFrame.Window && !frame.AllSent) SendTiles(frame);
    }

    private void Forget(long key)
    {
        if (!_tiled.Remove(key, out var frame)) return;
        frame.Dispose();
        Done();
    }

    /// <summary>A decoded frame is no longer held here: the next waiting one may be decoded.</summary>
    private void Done()
    {
        _decoding.Done();
        DecodeNext();
    }

    private IActorRef Assembler()
    {
        var child = Context.Child("tiles");
        return child.IsNobody() ? Context.ActorOf(TileAssemblerActor.Props(_options.MaxMapPixels, Self, _images), "tiles") : child;
    }

    protected override void PostStop()
    {
        foreach (var frame in _tiled.Values) frame.Dispose();
        base.PostStop();
    }

    /// <summary>A tiled frame decoded (Bitmap), or not (Error says why).</summary>
    private sealed record Decoded(CapturedFrame Frame, ModelDeployment Deployment, IActorRef ReplyTo, SKBitmap? Bitmap, string? Error);
}
