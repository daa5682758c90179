using Inspection.Engine.Evaluation;
using Inspection.Engine.PatchCore;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.Evaluation;

public class PrecisionTests(ITestOutputHelper output)
{
    private static double[] Ranks(float[] values)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        for (int r = 0; r < order.Length; r++) ranks[order[r]] = r;
        return ranks;
    }

    private static double Spearman(float[] a, float[] b)
    {
        var ra = Ranks(a);
        var rb = Ranks(b);
        double n = a.Length, sum = ra.Zip(rb, (x, y) => (x - y) * (x - y)).Sum();
        return 1 - 6 * sum / (n * (n * n - 1));
    }

    /// <summary>Evaluates the folder in fp32 and with <paramref name="reduced"/>; returns both image AUROCs and how the scores moved.</summary>
    private (double Fp32, double Reduced, double Rho, double MaxRelative) CompareOnSubset(string folder, PatchCoreSettings reduced)
    {
        double Auroc(PatchCoreSettings settings, out float[] scores)
        {
            var (result, model) = new PatchCoreEvaluator(settings, CPU).Run(folder);
            using (model)
            {
                Assert.Equal(settings.Precision, model.Metadata.Precision);
                Assert.Equal(settings.EffectiveKnnPrecision, model.Metadata.EffectiveKnnPrecision);
                Assert.Equal(ComputePrecision.ToScalarType(settings.EffectiveKnnPrecision), model.KnnProductType); // the search really runs in it
                scores = result.Images.Select(i => i.Score).ToArray();
                return result.Metrics.ImageAuroc;
            }
        }
        double fp32 = Auroc(new PatchCoreSettings { Seed = 1 }, out var exact);
        double other = Auroc(reduced with { Seed = 1 }, out var changed);
        double maxRelative = exact.Zip(changed, (a, b) => Math.Abs(a - b) / a).Max();
        double rho = Spearman(exact, changed);
        output.WriteLine($"image AUROC fp32 {fp32:F4}, {reduced.Precision} backbone + {reduced.EffectiveKnnPrecision} kNN {other:F4}; " +
                         $"largest relative score change {maxRelative:P2}; Spearman {rho:F4}");
        return (fp32, other, rho, maxRelative);
    }

    private static string MagneticTileSubset(TempFolder folder)
    {
        // 54 training images (every 10th of 60 held out for calibration), 30 good and 30 defective test images (6 of each type).
        TireEndToEndTests.LinkSubset(SharedDatasets.Category("magnetic_tile"), folder.Path, train: 60, validation: 0, good: 30, perDefect: 6);
        return folder.Path;
    }

    private static string TireSubset(TempFolder folder)
    {
        // More test images than the end-to-end test (25 good, 30 defective), so one swapped pair moves AUROC by under 0.01.
        TireEndToEndTests.LinkSubset(SharedDatasets.Category("tire"), folder.Path, train: 40, validation: 6, good: 25, perDefect: 10, TireEndToEndTests.TireDefects);
        return folder.Path;
    }

    private static readonly PatchCoreSettings Bf16Knn = new() { KnnPrecision = ComputePrecision.BFloat16 };
    private static readonly PatchCoreSettings Bf16Everything = new() { Precision = ComputePrecision.BFloat16 };

    private static string Subset(string dataset, TempFolder folder) => dataset == "tire" ? TireSubset(folder) : MagneticTileSubset(folder);

    /// <summary>
    /// bf16 kNN products (candidates re-ranked in float32) with the float32 backbone: the target, image AUROC
    /// within 0.01 of fp32, on real test images (magnetic_tile: 60, all five defect types; tire: 55).
    /// </summary>
    [SkippableTheory]
    [InlineData("magnetic_tile")]
    [InlineData("tire")]
    public void Bf16_knn_ranks_images_like_fp32(string dataset)
    {
        using var folder = new TempFolder();
        var (fp32, bf16, rho, _) = CompareOnSubset(Subset(dataset, folder), Bf16Knn);
        Assert.True(Math.Abs(fp32 - bf16) <= 0.01, $"AUROC fp32 {fp32}, bf16 kNN {bf16}");
        Assert.True(rho >= 0.99, $"rank correlation {rho}");
    }

    /// <summary>
    /// bf16 backbone too. Its features carry bf16 rounding (8-bit mantissa) into distances between close vectors, so
    /// scores move by up to about 11%. Measured on these subsets: magnetic_tile AUROC 0.740 (fp32) vs 0.770, Spearman
    /// 0.973; tire 0.712 vs 0.684 (Intel Xeon) and vs 0.651 (AMD EPYC, whose bf16 kernels round differently; the same
    /// with oneDNN's own 1x1 convolutions), Spearman 0.934-0.937. AUROC within 0.01 is not met with a bf16 backbone
    /// (full sets in docs/benchmarks.md); the test holds what is: close ranks, AUROC within 0.07 on 55 images.
    /// </summary>
    [SkippableTheory]
    [InlineData("magnetic_tile", 0.95)]
    [InlineData("tire", 0.9)]
    public void Bf16_backbone_ranks_images_close_to_fp32(string dataset, double minimumRho)
    {
        using var folder = new TempFolder();
        var (fp32, bf16, rho, moved) = CompareOnSubset(Subset(dataset, folder), Bf16Everything);
        Assert.True(moved > 0, "a bf16 backbone must actually change the arithmetic");
        Assert.True(Math.Abs(fp32 - bf16) <= 0.07, $"AUROC fp32 {fp32}, bf16 {bf16}");
        Assert.True(rho >= minimumRho, $"rank correlation {rho}");
    }

    [Fact]
    public void Unknown_precision_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new PatchCoreSettings { Precision = "int8" }.Validate());
    }
}
