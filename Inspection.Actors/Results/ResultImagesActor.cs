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
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _toldNoFolder;

    /// <param name="folder">Where this node keeps result images; null keeps none (a line asking for them gets its results without).</param>
    public ResultImagesActor(string? folder)
    {
        _folder = folder;
        Receive<Keep>(k => KeepImages(k, Sender));
        Receive<GetResultImage>(Answer);
    }

    public static Props Props(string? folder) => Akka.Actor.Props.Create(() => new ResultImagesActor(folder));

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
        var (frame, deployment, log) = (keep.Frame, keep.Deployment, _log);
        string id = frame.ResultId ?? Guid.CreateVersion7().ToString("N");
        // Off this actor's thread: writing a frame's images takes longer than scoring asks of a node per frame.
        Task.Run(() =>
        {
            long started = Stopwatch.GetTimestamp();
            string overlay = ResultImages.Keep(folder, deployment.Line, id, frame, map, deployment, draw: frame.Images == ImagePolicy.Drawn);
            PipelineMetrics.ResultImages.Record(PipelineMetrics.Since(started), new KeyValuePair<string, object?>("line", deployment.Line));
            return overlay;
        }).ContinueWith(written =>
        {
            if (written.IsCompletedSuccessfully)
            {
                line.Tell(result with { ImagesAt = written.Result });
                return;
            }
            // The result goes without images, never lost.
            log.Warning("Images of {0} not written: {1}", frame.Frame, written.Exception?.GetBaseException().Message);
            line.Tell(result);
        }, TaskScheduler.Default);
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
