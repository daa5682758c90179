namespace Inspection.Host.Api;

/// <summary>Where a result's images are.</summary>
public sealed record ResultLinks(string Self, string? Heatmap, string? Overlay, string? Image, string? Mask);

/// <summary>An operator's review of a result.</summary>
public sealed record ReviewView(string Label, string By, DateTimeOffset At);

/// <summary>
/// One frame's result. Verdict: pass, fail or error (Error says why; Score and NormalisedScore are then null).
/// NormalisedScore is 0 to 1 with 0.5 at the line's threshold. Warning: why the score is less reliable than usual (the
/// frame's aspect is far from the training images'), else null. ImagesNotKept: why the frame's images were not kept
/// (the data disk above its high-water mark), else null. Threshold: the image threshold the verdict was judged at and
/// the change that set it (null for errors and for results stored before it was kept). Part: the id of the part the
/// frame shows (a PLC trigger's, or the sender's ?part=), else null; Late: the result came after the part's deadline,
/// so its PLC got a timeout verdict instead.
/// </summary>
public sealed record ResultView(
    string Id, string Line, string Camera, string FrameId, string ModelVersion, float? Score, float? NormalisedScore, string Verdict,
    string? Error, double LatencyMs, DateTimeOffset ReceivedAt, DateTimeOffset CompletedAt, ReviewView? Review, ResultLinks Links, string? Warning = null,
    string? ImagesNotKept = null, ResultThresholdView? Threshold = null, string? Part = null, bool Late = false);

/// <summary>The threshold a verdict was judged at: Score on the model's scale; SetBy how the model chose it, or who set it and when.</summary>
public sealed record ResultThresholdView(float Score, string? SetBy);

/// <summary>A page of results, newest first; NextCursor continues it (null on the last page).</summary>
public sealed record ResultPageView(IReadOnlyList<ResultView> Items, string? NextCursor);

/// <summary>202 answer of POST frames?wait=false.</summary>
public sealed record FrameQueued(string ResultId, string Location);

/// <summary>POST /results/{id}/review: label good or defect; AddToModel (good only) extends the line's bank with the frame.</summary>
public sealed record ReviewRequest(string? Label, bool AddToModel);

/// <summary>The reviewed result, and the job that adds it to the model when asked.</summary>
public sealed record ReviewAnswer(ResultView Result, string? JobId);
