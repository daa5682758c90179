using Inspection.Actors.Results;
using Inspection.Host.Cli;

namespace Inspection.Host.Api;

/// <summary>A line's recent activity from its stored results: what the dashboard's overview shows for each line.</summary>
public static class LineSummaries
{
    public static readonly IReadOnlyList<int> WindowMinutes = [1, 5, 60];
    public const int RecentCount = 60;

    public static async Task<LineSummaryView> Of(LineView line, ResultStore store, DateTimeOffset now, CancellationToken cancel)
    {
        var samples = await store.Samples(line.Name, now.AddMinutes(-WindowMinutes.Max()), cancel);
        var windows = WindowMinutes.Select(minutes => Window(minutes, samples.Where(s => s.CompletedAt >= now.AddMinutes(-minutes)).ToList())).ToList();
        var recent = samples.Skip(Math.Max(0, samples.Count - RecentCount))
            .Select(s => new RecentScoreView(s.Id, s.Verdict, s.Score, s.NormalisedScore, s.CompletedAt)).ToList();
        return new LineSummaryView(line.Name, line.ModelVersion, line.Threshold?.Score, now, windows, recent);
    }

    private static SummaryWindowView Window(int minutes, IReadOnlyList<ResultSample> samples)
    {
        long passed = samples.Count(s => s.Verdict == ResultWords.Pass), failed = samples.Count(s => s.Verdict == ResultWords.Fail);
        long errors = samples.Count - passed - failed;
        var latencies = samples.Select(s => s.LatencyMs).Order().ToList();
        return new SummaryWindowView(minutes, samples.Count, passed, failed, errors, passed + failed > 0 ? (double)failed / (passed + failed) : null,
            samples.Count / (minutes * 60.0),
            latencies.Count > 0 ? Latencies.Percentile(latencies, 0.5) : null, latencies.Count > 0 ? Latencies.Percentile(latencies, 0.99) : null);
    }
}
