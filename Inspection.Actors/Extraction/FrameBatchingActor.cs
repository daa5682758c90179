using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Messages;
using Inspection.Engine.Imaging;

namespace Inspection.Actors.Extraction;

/// <summary>
/// The micro-batching of a feature extractor (<see cref="FeatureExtractorActor"/>, which sends it the frames of lines
/// that are not tiled): decodes each frame on the thread pool as it arrives (an unusable image fails that frame alone,
/// with the reason), batches them per line up to the batch size or the deadline, runs the batch through the line's
/// backbone and hands its features back to the extractor for the line's scorer.
/// </summary>
public sealed class FrameBatchingActor : ReceiveActor, IWithTimers
{
    private readonly BackboneCache _backbones;
    private readonly ExtractionOptions _options;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, LineBatch> _open = new();

    private string Address => Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="backbones">The extractor's resident backbones, shared with its other actors.</param>
    public FrameBatchingActor(BackboneCache backbones, ExtractionOptions options)
    {
        _backbones = backbones;
        _options = options;
        Receive<Deployed<ExtractFrames>>(frames => Add(frames.Request, frames.Deployment, Sender));
        Receive<FlushDeadline>(deadline => Flush(deadline.Line));
        Receive<Decoded>(decoded => Extract(decoded.Line, decoded.Batch));
    }

    public static Props Props(BackboneCache backbones, ExtractionOptions options) =>
        Akka.Actor.Props.Create(() => new FrameBatchingActor(backbones, options));

    private void Add(ExtractFrames request, ModelDeployment deployment, IActorRef replyTo)
    {
        if (_open.TryGetValue(request.Line, out var open) && open.Version != request.Version) Flush(request.Line); // never mix versions in a batch
        var batch = _open.TryGetValue(request.Line, out var b) ? b : _open[request.Line] = new LineBatch(deployment);
        foreach (var frame in request.Frames) batch.Add(frame, Decode(frame, deployment.Input(), request.Line, request.Version, replyTo, Self), replyTo);
        if (batch.Count >= _options.BatchSize) Flush(request.Line);
        else if (batch.Count > 0 && !Timers.IsTimerActive(request.Line))
            Timers.StartSingleTimer(request.Line, new FlushDeadline(request.Line), _options.BatchDeadline);
    }

    /// <summary>
    /// Decodes and resizes a frame on the thread pool, from the moment it arrives: one actor decoding every line's frames
    /// in turn would cap a node at one core's decode rate, far below what a GPU extracts (docs/benchmark-history.md,
    /// 'Where the pipeline's time goes (per stage)'). An unusable image fails its frame alone, at once and with the
    /// reason; its task then yields null.
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
            replyTo.Tell(InspectionResult.Failure(frame.Frame, version, DecodeFailure.Reason(e, frame.Source), 0), self);
            return (PreparedImage?)null;
        }
    });

    /// <summary>
    /// Closes the line's batch: once all its frames are decoded (on the thread pool; this actor does not wait for them),
    /// it is extracted. Frames arriving meanwhile start the next batch.
    /// </summary>
    private void Flush(string line)
    {
        Timers.Cancel(line);
        if (!_open.Remove(line, out var batch) || batch.Count == 0) return;
        var self = Self;
        Task.WhenAll(batch.Decodes).ContinueWith(_ => self.Tell(new Decoded(line, batch)), TaskScheduler.Default);
    }

    private void Extract(string line, LineBatch batch)
    {
        batch.KeepDecoded(); // frames that did not decode have had their failed result
        if (batch.Count == 0) return;
        try
        {
            long started = Stopwatch.GetTimestamp();
            var block = _backbones.Features(batch.Deployment, batch.Images);
            PipelineMetrics.Extraction.Record(PipelineMetrics.Since(started),
                new KeyValuePair<string, object?>("line", line), new KeyValuePair<string, object?>("frames", batch.Count),
                new KeyValuePair<string, object?>("node", Address));
            foreach (var (replyTo, frames) in batch.ByRequester(block))
                Context.Parent.Tell(new FeatureExtractorActor.ScoreBatch(batch.Deployment, frames, replyTo));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.Error(e, "Feature extraction failed for line {0}", line);
            for (int i = 0; i < batch.Count; i++)
                batch.ReplyTo[i].Tell(InspectionResult.Failure(batch.Frames[i], batch.Version, $"feature extraction failed: {e.Message}", 0));
        }
    }

    private sealed record FlushDeadline(string Line);

    private sealed record Decoded(string Line, LineBatch Batch);
}
