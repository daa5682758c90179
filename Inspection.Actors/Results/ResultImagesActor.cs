using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Results;

/// <summary>
/// The result images of one gpu node, in its results folder (a child of its feature extractor, so other nodes find it
/// at <see cref="Path"/>). A scored frame's images are written here, by the node that holds the frame and computed its
/// map, on the thread pool, and the line then gets its result without the map and with the overlay's path: the map does
/// not cross the network to be written. Another node asks here for one of them (<see cref="GetResultImage"/>, the HTTP
/// API there serves it), drawn here when first asked for.
/// </summary>
public sealed class ResultImagesActor : ReceiveActor
{
    /// <summary>Its path under /user on every gpu node.</summary>
    public const string Path = Hosting.InspectionNodeHosting.FeatureExtractorPath + "/images";

    private readonly string? _folder;
    private readonly Storage.DiskGuard? _disk;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _toldNoFolder;

    /// <param name="folder">Where this node keeps result images; null keeps none (a line asking for them gets its results without).</param>
    /// <param name="disk">The node's data volumes: above their high-water mark a result goes without images, saying why.</param>
    public ResultImagesActor(string? folder, Storage.DiskGuard? disk = null)
    {
        _folder = folder;
        _disk = disk;
        Receive<Keep>(k => KeepImages(k, Sender));
        Receive<GetResultImage>(Answer);
        Receive<ForgetResultImages>(Forget);
    }

    public static Props Props(string? folder, Storage.DiskGuard? disk = null) => Akka.Actor.Props.Create(() => new ResultImagesActor(folder, disk));

    /// <summary>A frame's result with its map, to be told to the sender (the frame's line) once its images are kept.</summary>
    public sealed record Keep(InspectionResult Result, CapturedFrame Frame, ModelDeployment Deployment);

    private void KeepImages(Keep keep, IActorRef line)
    {
        var result = keep.Result with { AnomalyMap = null };
        if (keep.Result.Failed || keep.Result.AnomalyMap is not { } map || keep.Frame.Images == ImagePolicy.None)
        {
            line.Tell(result);
            return;
        }
        if (_folder is not { } folder)
        {
            if (!_toldNoFolder) _log.Warning("Line {0} asks for result images, but this node has no results folder: its results have none", keep.Deployment.Line);
            _toldNoFolder = true;
            line.Tell(result);
            return;
        }
        if (_disk?.ImagesProblem is { } full)
        {
            line.Tell(result with { ImagesNotKept = full });
            return;
        }
        var (frame, deployment, log) = (keep.Frame, keep.Deployment, _log);
        string id = frame.ResultId ?? Guid.CreateVersion7().ToString("N");
        // Off this actor's thread: writing a frame's images takes longer than scoring asks of a node per frame.
        Task.Run(() =>
        {
            long started = Stopwatch.GetTimestamp();
            var kept = ResultImages.Keep(folder, deployment.Line, id, frame, map, deployment, draw: frame.Images == ImagePolicy.Drawn);
            PipelineMetrics.ResultImages.Record(PipelineMetrics.Since(started), new KeyValuePair<string, object?>("line", deployment.Line));
            return kept;
        }).ContinueWith(written =>
        {
            if (written.IsCompletedSuccessfully)
            {
                line.Tell(result with { ImagesAt = written.Result.Overlay, ImagesBytes = written.Result.Bytes });
                return;
            }
            // The result goes without images, never lost.
            string why = written.Exception?.GetBaseException().Message ?? "unknown";
            log.Warning("Images of {0} not written: {1}", frame.Frame, why);
            line.Tell(result with { ImagesNotKept = $"they could not be written: {why}" });
        }, TaskScheduler.Default);
    }

    /// <summary>Deleted on the thread pool, one order at a time in effect (retention sends the next after its step).</summary>
    private void Forget(ForgetResultImages forget)
    {
        if (_folder is not { } folder) return;
        var log = _log;
        Task.Run(() =>
        {
            long bytes = 0;
            int results = 0;
            foreach (var path in forget.Paths.Where(p => ResultFiles.Within(folder, p) && p.EndsWith("-overlay.png", StringComparison.Ordinal)))
            {
                bytes += ResultFiles.Delete(path);
                results++;
            }
            var (files, old) = forget.Before > DateTimeOffset.MinValue ? ResultFiles.DeleteOlder(folder, forget.Line, forget.Before.UtcDateTime) : (0, 0L);
            if (results + files > 0)
                log.Debug("Line {0}: images of {1} results ({2} bytes) and {3} older files ({4} bytes) deleted", forget.Line, results, bytes, files, old);
        }).ContinueWith(t => log.Warning("Images of line {0} not all deleted: {1}", forget.Line, t.Exception?.GetBaseException().Message),
            TaskContinuationOptions.OnlyOnFaulted);
    }

    /// <summary>Drawn and read on the thread pool; a path outside this node's folder is not its to give.</summary>
    private void Answer(GetResultImage request)
    {
        if (!ResultFiles.Within(_folder, request.OverlayPath))
        {
            Sender.Tell(new ResultImageAnswer(request.OverlayPath, request.Kind, false, null, null, "not in this node's results folder"));
            return;
        }
        Task.Run(() => ResultImages.Read(request.OverlayPath, request.Kind)).PipeTo(Sender);
    }
}
