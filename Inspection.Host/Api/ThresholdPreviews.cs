using Inspection.Actors.Results;
using Inspection.Engine.Metrics;

namespace Inspection.Host.Api;

/// <summary>
/// What moving a line's threshold would change, on its recent and its reviewed frames. A frame is flagged when its score
/// is above the threshold, as the line judges it.
/// </summary>
public static class ThresholdPreviews
{
    public const int RecentFrames = 500, ReviewedFrames = 10_000;

    /// <param name="heldOutGood">The model's held-out good scores, for the expected false-reject rates; null: not known.</param>
    public static async Task<ThresholdPreviewView> Of(string line, float current, float candidate, float[]? heldOutGood, ResultStore store, CancellationToken cancel)
    {
        var recent = await store.Scored(line, RecentFrames, cancel: cancel);
        var reviewed = await store.Scored(line, ReviewedFrames, reviewedOnly: true, cancel: cancel);
        bool Flips(ScoredSample s) => s.Score > current != s.Score > candidate;
        bool Agrees(ScoredSample s, float threshold) => s.Score > threshold == (s.ReviewLabel == ResultWords.Defect);
        var good = reviewed.Where(s => s.ReviewLabel == ResultWords.Good).ToList();
        double? Live(float threshold) => good.Count == 0 ? null : good.Count(s => s.Score > threshold) / (double)good.Count;
        double? Expected(float threshold) => heldOutGood is { Length: > 0 } scores ? ConformalThreshold.RateAt(threshold, scores) : null;
        return new ThresholdPreviewView(current, candidate, recent.Count, recent.Count(s => s.Score > current), recent.Count(s => s.Score > candidate),
            recent.Count(Flips), reviewed.Count, reviewed.Count(Flips), reviewed.Count(s => Agrees(s, current)), reviewed.Count(s => Agrees(s, candidate)),
            recent.Select(s => s.Score).ToList(), Expected(current), Expected(candidate), good.Count, Live(current), Live(candidate));
    }
}
