namespace Inspection.Actors.Messages;

// Frames from cameras through feature extraction to results.

/// <summary>
/// An encoded image (PNG, JPEG, BMP) captured by a camera; Source names the file or stream for people. ResultId names
/// the result to be (null: the line picks one); ClientKey is the sender's own key for the frame (an HTTP
/// Idempotency-Key or frame id): a second frame with the same key gets the first one's result and is not scored again.
/// Images: what the gpu node that scores the frame keeps of it (the line sets it as it sends the frame on). Part: the
/// id of the part the frame shows (a PLC's trigger, or the sender's), and PartDeadline (UTC; default: none) when its
/// verdict is due: a result completed after it is stored marked late.
/// </summary>
public sealed record CapturedFrame(FrameId Frame, byte[] Encoded, string Source, string? ResultId = null, string? ClientKey = null,
    ImagePolicy Images = ImagePolicy.None, string? Part = null, DateTimeOffset PartDeadline = default) : ICommand;

/// <summary>
/// What a scored frame leaves on the disk of the gpu node that scored it (<see cref="Results.ResultImagesActor"/>):
/// nothing, the frame and its anomaly map (the overlay, heatmap and mask drawn when first asked for), or those with
/// the overlay and heatmap drawn at once (for people who open the folder).
/// </summary>
public enum ImagePolicy
{
    None = 0,
    OnRequest = 1,
    Drawn = 2,
}

/// <summary>
/// The line took the frame: exactly one result will follow for it. ResultId names that result (for a repeated client
/// key, the first frame's).
/// </summary>
public sealed record FrameAccepted(FrameId Frame, string? ResultId = null) : IEvent;

/// <summary>The line refused the frame (back-pressure); the camera counts it as dropped or offers it again.</summary>
public sealed record FrameRejected(FrameId Frame, string Reason) : IEvent;

/// <summary>
/// A frame the line took whose result could not be stored (its database failed): it has no result and will have none.
/// Whoever sent it sends it again, with the same client key, once the database is back; it is scored then, once.
/// </summary>
public sealed record FrameLost(FrameId Frame, string ResultId, string Reason) : IEvent;

/// <summary>Frames of one line for feature extraction; results go to ReplyTo via the line's scorer.</summary>
public sealed record ExtractFrames(string Line, string Version, IReadOnlyList<CapturedFrame> Frames) : ICommand;

/// <summary>
/// A result as stored and published: no map, but the path of its heatmap overlay (the frame, its map and the plain
/// heatmap lie beside it, on the disk of the gpu node that scored the frame; the overlay and heatmap may be drawn only when
/// asked for: see <see cref="Results.ResultImages"/>). ResultId is
/// unique across the cluster and its restarts; ReceivedAt is when the line took the frame. Warning: why a score is less
/// reliable than usual (the frame's aspect is far from the training images'), else null. ImagesBytes: what its images
/// take on that disk (retention counts it against the line's size limit); ImagesNotKept: why the line's images were
/// not kept (the gpu node's disk above its high-water mark), else null. Part: the id of the part the frame shows, if
/// it was given one; Late: completed after its part's deadline (the PLC got a timeout verdict for it instead).
/// </summary>
public sealed record StoredResult(
    FrameId Frame, string Source, string ModelVersion, float Score, float NormalisedScore, bool Defective, string? Error,
    double LatencyMs, string? HeatmapPath, DateTimeOffset CompletedAt, string ResultId = "", string? ClientKey = null,
    DateTimeOffset ReceivedAt = default, string? Warning = null, long ImagesBytes = 0, string? ImagesNotKept = null, float Threshold = float.NaN,
    string? ThresholdMethod = null, string? Part = null, bool Late = false) : IEvent;

/// <summary>
/// A part that got no verdict by its deadline (a PLC handshake's part): its PLC got the timeout verdict Means (ng or
/// hold) at At. The line journals it beside its results, so the line's sinks deliver it as they deliver results
/// (verdict "timeout"); Id is its deduplication key. A result that comes later for the part is stored marked late.
/// </summary>
public sealed record PartTimedOut(string Id, string Line, string Camera, string Part, string Means, string Reason, DateTimeOffset TriggeredAt,
    DateTimeOffset At) : IEvent;

/// <summary>
/// One camera's counts and status: every captured frame is either accepted (and gets a result) or dropped. Source:
/// what it reads; Connected: whether its source is connected now; FramesPerSecond: frames captured a second over the
/// last 5 s; LastFrameAt: when the last came; LastError: why the source last failed (null: never); Reconnects: times it
/// connected again after a failure. Finished: a finite source has ended and every frame is accounted for.
/// </summary>
public sealed record CameraStats(string Line, string Camera, long Captured, long Accepted, long Dropped, long Results, long Failed, bool Finished,
    string? Source = null, bool Connected = false, double FramesPerSecond = 0, DateTimeOffset? LastFrameAt = null, string? LastError = null,
    long Reconnects = 0) : IAnswer;

public sealed record GetCameraStats : IQuery;

/// <summary>Counts of one line: Rejected frames were refused (back-pressure, counted as dropped); Flagged is of Scored.</summary>
public sealed record LineStats(string Line, string? Version, long Accepted, long Rejected, long Scored, long Failed, int InFlight, long Flagged = 0) : IAnswer;

public sealed record GetLineStats(string Line) : IQuery;

/// <summary>Snapshot of a line's result counters, so a restart does not replay every result ever stored.</summary>
public sealed record LineCounters(long Scored, long Failed, long Flagged = 0) : IEvent;
