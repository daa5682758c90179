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

    /// <summary>Images per second of the exact 1-NN search against bank size (log scale).</summary>
    public static void KnnScaling(string path, long[] bankSizes, double[] imagesPerSecond, string device)
    {
        var plot = new ScottPlot.Plot();
        var xs = bankSizes.Select(b => Math.Log10(b)).ToArray();
        var line = plot.Add.Scatter(xs, imagesPerSecond);
        line.LegendText = device;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            xs.Zip(bankSizes, (x, b) => new ScottPlot.Tick(x, b.ToString("N0"))).ToArray());
        plot.Title("Exact 1-NN throughput against memory-bank size");
        plot.XLabel("bank vectors (log scale)");
        plot.YLabel("images per second (1024 patches each)");
        plot.ShowLegend();
        plot.SavePng(path, 640, 420);
    }
}
