namespace Inspection.Host.Cli;

/// <summary>Median and 99th percentile (nearest rank) of measured latencies, for the bench tables.</summary>
public static class Latencies
{
    public static (double P50, double P99) Percentiles(List<double> latencies)
    {
        if (latencies.Count == 0) throw new ArgumentException("No latencies were measured.");
        var sorted = latencies.Order().ToList();
        return (sorted[sorted.Count / 2], sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(sorted.Count * 0.99) - 1)]);
    }

    /// <summary>The nearest-rank percentile <paramref name="p"/> (0 to 1) of sorted latencies.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(sorted.Count * p) - 1, 0, sorted.Count - 1)];
}
