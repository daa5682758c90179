using Inspection.Host.Cli;
using ScottPlot;

namespace Inspection.Host.Reports;

/// <summary>A soak run's samples as one image of four panels (memory, threads and files, disk, latency) over time, drawn with ScottPlot.</summary>
public static class SoakPlot
{
    public static void Write(string path, IReadOnlyList<SoakSample> samples, string title)
    {
        var minutes = samples.Select(s => s.Seconds / 60).ToArray();
        var multiplot = new ScottPlot.Multiplot();
        // A multiplot starts with one plot: three more make the four panels.
        for (int i = 0; i < 3; i++) multiplot.AddPlot();
        void Panel(int index, string name, string unit, params (string Label, double[] Values)[] series)
        {
            var plot = multiplot.GetPlot(index);
            foreach (var (label, values) in series)
            {
                var line = plot.Add.Scatter(minutes, values);
                line.MarkerSize = 0;
                line.LegendText = label;
            }
            plot.Title(index == 0 ? $"{title}: {name}" : name);
            plot.XLabel("minutes");
            plot.YLabel(unit);
            plot.ShowLegend();
        }
        Panel(0, "memory", "MB", ("RSS", samples.Select(s => s.RssMb).ToArray()), ("managed heap", samples.Select(s => s.HeapMb).ToArray()));
        Panel(1, "threads and open files", "count", ("threads", samples.Select(s => (double)s.Threads).ToArray()),
            ("file descriptors", samples.Select(s => (double)s.FileDescriptors).ToArray()));
        Panel(2, "data on disk", "MB", ("result images", samples.Select(s => s.ImagesMb).ToArray()), ("database", samples.Select(s => s.DatabaseMb).ToArray()));
        Panel(3, "latency of the frames answered in each interval", "ms", ("p50", samples.Select(s => s.P50Ms).ToArray()),
            ("p99", samples.Select(s => s.P99Ms).ToArray()));
        multiplot.SavePng(path, 900, 1400);
    }
}
