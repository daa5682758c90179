namespace Inspection.Host.Reports;

/// <summary>The report's charts, drawn with ScottPlot.</summary>
public static class Plots
{
    public static void Roc(string path, double[] fpr, double[] tpr, double auroc)
    {
        var plot = new ScottPlot.Plot();
        var curve = plot.Add.Scatter(fpr, tpr);
        curve.MarkerSize = 0;
        curve.LegendText = $"AUROC {auroc:F4}";
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LinePattern = ScottPlot.LinePattern.Dashed;
        plot.Title("Image-level ROC");
        plot.XLabel("false positive rate");
        plot.YLabel("true positive rate");
        plot.ShowLegend();
        plot.SavePng(path, 560, 420);
    }

    public static void ScoreHistogram(string path, double[] good, double[] defective, double threshold)
    {
        var all = good.Concat(defective).ToArray();
        if (all.Length == 0) return;
        double min = all.Min(), max = all.Max();
        int bins = 30;
        double width = (max - min) / bins;
        if (width <= 0) width = 1;
        double[] Counts(double[] values)
        {
            var counts = new double[bins];
            foreach (var v in values) counts[Math.Clamp((int)((v - min) / width), 0, bins - 1)]++;
            return counts;
        }
        var positions = Enumerable.Range(0, bins).Select(i => min + (i + 0.5) * width).ToArray();
        var plot = new ScottPlot.Plot();
        var goodBars = plot.Add.Bars(positions, Counts(good));
        goodBars.LegendText = "good";
        var defectBars = plot.Add.Bars(positions, Counts(defective));
        defectBars.LegendText = "defective";
        foreach (var bar in goodBars.Bars) { bar.Size = width * 0.9; bar.FillColor = ScottPlot.Colors.SteelBlue.WithAlpha(0.6); }
        foreach (var bar in defectBars.Bars) { bar.Size = width * 0.9; bar.FillColor = ScottPlot.Colors.OrangeRed.WithAlpha(0.6); }
        var line = plot.Add.VerticalLine(threshold);
        line.LegendText = "calibrated threshold";
        plot.Title("Image scores");
        plot.XLabel("score");
        plot.YLabel("images");
        plot.ShowLegend();
        plot.SavePng(path, 560, 420);
    }

    /// <summary>Images per second against memory-bank size (both axes log scale), one line per measured path.</summary>
    public static void ThroughputByBankSize(string path, IReadOnlyList<(string Name, long[] BankSizes, double[] ImagesPerSecond)> series, string device)
    {
        var plot = new ScottPlot.Plot();
        foreach (var (name, sizes, perSecond) in series)
        {
            var line = plot.Add.Scatter(sizes.Select(b => Math.Log10(b)).ToArray(), perSecond.Select(v => Math.Log10(Math.Max(v, 1e-6))).ToArray());
            line.LegendText = name;
        }
        var allSizes = series.SelectMany(s => s.BankSizes).Distinct().Order().ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            allSizes.Select(b => new ScottPlot.Tick(Math.Log10(b), b.ToString("N0"))).ToArray());
        var logTicks = new ScottPlot.TickGenerators.LogMinorTickGenerator();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { MinorTickGenerator = logTicks, LabelFormatter = y => Math.Pow(10, y).ToString("G3") };
        plot.Title($"Throughput against memory-bank size ({device})");
        plot.Legend.Alignment = ScottPlot.Alignment.UpperRight; // the lines fall to the right: keep their ends visible
        plot.XLabel("bank vectors (log scale)");
        plot.YLabel("images per second (log scale)");
        plot.ShowLegend();
        plot.SavePng(path, 640, 420);
    }
}
