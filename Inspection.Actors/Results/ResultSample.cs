namespace Inspection.Actors.Results;

/// <summary>The few columns of one stored result that a line's summary needs (verdict, latency, score, time).</summary>
public sealed record ResultSample(string Id, string Verdict, double LatencyMs, double? Score, double? NormalisedScore, DateTimeOffset CompletedAt);
