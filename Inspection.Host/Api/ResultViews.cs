using Inspection.Actors.Messages;
using Inspection.Actors.Results;

namespace Inspection.Host.Api;

/// <summary>Results as the API shows them, from the store's rows or straight from the line's answer.</summary>
public static class ResultViews
{
    public static ResultView Of(ResultRecord r)
    {
        string self = $"/api/v1/results/{r.Id}";
        bool images = r.HeatmapPath != null;
        return new ResultView(r.Id, r.Line, r.Camera, FrameName(r.Source, r.Sequence), r.ModelVersion, r.Score, r.NormalisedScore, r.Verdict,
            r.Error, Math.Round(r.LatencyMs, 2), r.ReceivedAt, r.CompletedAt,
            r.ReviewLabel is null ? null : new ReviewView(r.ReviewLabel, r.ReviewedBy ?? "", r.ReviewedAt ?? r.CompletedAt),
            new ResultLinks(self, images ? self + "/heatmap.png" : null, images ? self + "/overlay.png" : null, images ? self + "/image" : null,
                images ? self + "/mask.png" : null), r.Warning, r.ImagesNotKept,
            r.Threshold is { } threshold ? new ResultThresholdView(threshold, r.ThresholdMethod) : null, r.Part, r.Late);
    }

    public static ResultView Of(StoredResult r) => Of(Record(r));

    public static ResultRecord Record(StoredResult r) =>
        new(r.ResultId, r.Frame.Line, r.Frame.Camera, r.Frame.Sequence, r.Source, r.ClientKey, r.ModelVersion,
            r.Error == null && float.IsFinite(r.Score) ? r.Score : null, r.Error == null && float.IsFinite(r.NormalisedScore) ? r.NormalisedScore : null,
            ResultStore.VerdictOf(r), r.Error, r.LatencyMs, r.ReceivedAt == default ? r.CompletedAt : r.ReceivedAt, r.CompletedAt, r.HeatmapPath,
            null, null, null, r.Warning, r.ImagesNotKept, r.Error == null && float.IsFinite(r.Threshold) ? r.Threshold : null,
            r.Error == null ? r.ThresholdMethod : null, r.Part, r.Late);

    /// <summary>The frame's name for people: a camera file's name, or the frame id a client gave.</summary>
    private static string FrameName(string source, long sequence) =>
        string.IsNullOrEmpty(source) ? sequence.ToString() : Path.GetFileName(source) is { Length: > 0 } name ? name : source;
}
