using Inspection.Actors.Results;

namespace Inspection.Host.Api;

/// <summary>
/// What moving a line's threshold would change, on its recent and its reviewed frames. A frame is flagged when its score
/// is above the threshold, as the line judges it.
/// </summary>
public static class ThresholdPreviews
{
    public const int RecentFrames = 500, ReviewedFrames = 10_000;

    public static async Task<ThresholdPreviewView> Of(string line, float current, float candidate, ResultStore store, CancellationToken cancel)
    {
        var recent = await store.Scored(line, RecentFrames, cancel: cancel);
        var reviewed = await store.Scored(line, ReviewedFrames, reviewedOnly: true, cancel: cancel);
        bool Flips(ScoredSample s) => s.Score > current != s.Score > candidate;
        bool Agrees(ScoredSample s, float threshold) => s.Score > threshold == (s.ReviewLabel == ResultWords.Defect);
        return new ThresholdPreviewView(current, candidate, recent.Count, recent.Count(s => s.Score > current), recent.Count(s => s.Score > candidate),
            recent.Count(Flips), reviewed.Count, reviewed.Count(Flips), reviewed.Count(s => Agrees(s, current)), reviewed.Count(s => Agrees(s, candidate)),
            recent.Select(s => s.Score).ToList());
    }
}
