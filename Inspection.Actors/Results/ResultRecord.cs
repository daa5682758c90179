namespace Inspection.Actors.Results;

/// <summary>
/// One result as the result store holds it. Verdict: pass, fail or error. Review: an operator's label (good or defect),
/// null until reviewed. Times are UTC. Warning: why the score is less reliable than usual (the frame's aspect), else null.
/// ImagesNotKept: why its images were not kept (a full disk), else null. Threshold: the image threshold the verdict was
/// judged at, ThresholdMethod how it was chosen or who set it (null for errors and results of earlier builds). Part:
/// the id of the part the frame shows, if given; Late: completed after the part's deadline (its PLC got a timeout).
/// </summary>
public sealed record ResultRecord(
    string Id, string Line, string Camera, long Sequence, string Source, string? ClientKey, string ModelVersion,
    float? Score, float? NormalisedScore, string Verdict, string? Error, double LatencyMs,
    DateTimeOffset ReceivedAt, DateTimeOffset CompletedAt, string? HeatmapPath,
    string? ReviewLabel, string? ReviewedBy, DateTimeOffset? ReviewedAt, string? Warning = null, string? ImagesNotKept = null,
    float? Threshold = null, string? ThresholdMethod = null, string? Part = null, bool Late = false)
{
}

/// <summary>The words the store and the API use for verdicts and review labels.</summary>
public static class ResultWords
{
    public const string Pass = "pass", Fail = "fail", Error = "error";
    public const string Good = "good", Defect = "defect";
    public static readonly IReadOnlyList<string> Verdicts = [Pass, Fail, Error];
    public static readonly IReadOnlyList<string> Labels = [Good, Defect];
}

/// <summary>Filters of a result query; Cursor continues a previous page (newest first).</summary>
public sealed record ResultQuery(string? Line = null, string? Camera = null, string? Verdict = null, DateTimeOffset? Since = null,
    int Limit = 50, string? Cursor = null, string? Part = null);

/// <summary>One page of results, newest first; NextCursor null on the last page.</summary>
public sealed record ResultPage(IReadOnlyList<ResultRecord> Items, string? NextCursor);

/// <summary>Reviewed results of a line: false alarms (flagged, labelled good) and misses (passed, labelled defect).</summary>
public sealed record ReviewCounts(long Reviewed, long FalseAlarms, long Misses, long ConfirmedDefects);
