using System.Text.Json;
using Inspection.Actors.Messages;
using Inspection.Actors.Results;

namespace Inspection.Actors.Sinks;

/// <summary>
/// A result as sinks send it: JSON in camelCase with the fields of the HTTP API's result (id, line, camera, frameId,
/// modelVersion, score, normalisedScore, verdict, error, latencyMs, receivedAt, completedAt, warning, part, late). The id is the
/// deduplication key: a result may be delivered more than once, never with another id. A part's timeout verdict
/// (<see cref="PartTimedOut"/>) is a document of its own: verdict "timeout", timeoutMeans ng or hold (what the PLC was
/// told), the part, no frame, no score; latencyMs is from trigger to the timeout.
/// </summary>
public sealed record ResultDocument(
    string Id, string Line, string Camera, string FrameId, string ModelVersion, float? Score, float? NormalisedScore, string Verdict,
    string? Error, double LatencyMs, DateTimeOffset ReceivedAt, DateTimeOffset CompletedAt, string? Warning = null,
    string? Part = null, bool Late = false, string? TimeoutMeans = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static ResultDocument Of(StoredResult r) => new(r.ResultId, r.Frame.Line, r.Frame.Camera,
        string.IsNullOrEmpty(r.Source) ? r.Frame.Sequence.ToString() : Path.GetFileName(r.Source) is { Length: > 0 } name ? name : r.Source,
        r.ModelVersion, r.Error == null && float.IsFinite(r.Score) ? r.Score : null,
        r.Error == null && float.IsFinite(r.NormalisedScore) ? r.NormalisedScore : null, ResultStore.VerdictOf(r), r.Error,
        Math.Round(r.LatencyMs, 2), r.ReceivedAt == default ? r.CompletedAt : r.ReceivedAt, r.CompletedAt, r.Warning,
        r.Part, r.Late);

    public static ResultDocument Of(PartTimedOut t) => new(t.Id, t.Line, t.Camera, "", "", null, null, Timeout, t.Reason,
        Math.Round((t.At - t.TriggeredAt).TotalMilliseconds, 2), t.TriggeredAt, t.At, null, t.Part, false, t.Means);

    /// <summary>The verdict word of a part's timeout document.</summary>
    public const string Timeout = "timeout";

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);
}
