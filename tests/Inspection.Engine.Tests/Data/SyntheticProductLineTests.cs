using Inspection.Engine.Data;
using SkiaSharp;
using Xunit;

namespace Inspection.Engine.Tests.Data;

/// <summary>
/// The synthetic line stands in for MVTec AD in end-to-end tests, so these check that it really behaves like an
/// anomaly dataset: reproducible, laid out as loaders expect, and with defects that are visible where the masks say.
/// </summary>
public sealed class SyntheticProductLineTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "synthetic-line-tests-" + Guid.NewGuid().ToString("N"));

    private static readonly SyntheticLineOptions Small = new(Seed: 11, TrainGood: 8, TestGood: 4, DefectsPerType: 3, Size: 96);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private string Folder(string name) => Path.Combine(_root, name);

    [Fact]
    public void DefaultOptions_WriteTheMvtecLayoutQuickly()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var summary = SyntheticProductLine.Generate(Folder("default"), new SyntheticLineOptions());
        watch.Stop();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"Generation took {watch.Elapsed}.");
        Assert.Equal(Path.GetFullPath(Folder("default")), summary.Folder);
        Assert.Equal(40, summary.TrainGood);
        Assert.Equal(12, summary.TestGood);
        Assert.Equal(new[] { "hole", "scratch", "stain" }, summary.Defects.Keys.Order().ToArray());
        Assert.All(summary.Defects.Values, count => Assert.Equal(6, count));

        Assert.Equal(Names(40, ""), PngNames(summary.Folder, "train", "good"));
        Assert.Equal(Names(12, ""), PngNames(summary.Folder, "test", "good"));
        Assert.Equal(new[] { "good", "hole", "scratch", "stain" },
            Directory.GetDirectories(Path.Combine(summary.Folder, "test")).Select(Path.GetFileName).Order().ToArray());
        foreach (string defect in SyntheticProductLine.DefectTypes)
        {
            Assert.Equal(Names(6, ""), PngNames(summary.Folder, "test", defect));
            Assert.Equal(Names(6, "_mask"), PngNames(summary.Folder, "ground_truth", defect));
        }

        using var image = SKBitmap.Decode(Path.Combine(summary.Folder, "test", "scratch", "000.png"));
        Assert.Equal(256, image.Width);
        Assert.Equal(256, image.Height);
        using var codec = SKCodec.Create(Path.Combine(summary.Folder, "ground_truth", "scratch", "000_mask.png"));
        Assert.Equal(256, codec.Info.Width);
        Assert.Equal(256, codec.Info.Height);
        Assert.Equal(SKColorType.Gray8, codec.Info.ColorType);
    }

    [Fact]
    public void SameSeed_GivesByteIdenticalFiles_AndOtherSeedDiffers()
    {
        var first = SyntheticProductLine.Generate(Folder("a"), Small);
        var second = SyntheticProductLine.Generate(Folder("b"), Small);
        var other = SyntheticProductLine.Generate(Folder("c"), Small with { Seed = 12 });

        var files = RelativeFiles(first.Folder);
        Assert.Equal(8 + 4 + 3 * 3 * 2, files.Length);
        Assert.Equal(files, RelativeFiles(second.Folder));
        Assert.Equal(files, RelativeFiles(other.Folder));
        foreach (string file in files)
            Assert.Equal(File.ReadAllBytes(Path.Combine(first.Folder, file)), File.ReadAllBytes(Path.Combine(second.Folder, file)));
        int differing = files.Count(file => !File.ReadAllBytes(Path.Combine(first.Folder, file))
            .AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(other.Folder, file))));
        Assert.Equal(files.Length, differing);
    }

    [Fact]
    public void Regenerating_WithFewerImages_LeavesNoStaleFiles()
    {
        string folder = Folder("regen");
        SyntheticProductLine.Generate(folder, Small);
        SyntheticProductLine.Generate(folder, Small with { TrainGood = 2, DefectsPerType = 1 });

        Assert.Equal(Names(2, ""), PngNames(folder, "train", "good"));
        Assert.Equal(Names(1, "_mask"), PngNames(folder, "ground_truth", "hole"));
    }

    [Fact]
    public void Masks_AreBinary_AndCoverASaneFractionOfTheImage()
    {
        var summary = SyntheticProductLine.Generate(Folder("masks"), Small);
        int pixels = Small.Size * Small.Size;
        foreach (string defect in SyntheticProductLine.DefectTypes)
            for (int i = 0; i < Small.DefectsPerType; i++)
            {
                var mask = ReadMask(Path.Combine(summary.Folder, "ground_truth", defect, $"{i:D3}_mask.png"));
                Assert.Equal(pixels, mask.Length);
                Assert.All(mask, value => Assert.True(value is 0 or 255, $"Mask value {value} is not 0 or 255."));
                double fraction = mask.Count(value => value == 255) / (double)pixels;
                Assert.InRange(fraction, 0.002, 0.15);
            }
    }

    [Fact]
    public void DefectPixels_DifferFromTheTypicalGoodSurface_WhileTheRestMatches()
    {
        var summary = SyntheticProductLine.Generate(Folder("contrast"), Small);
        int size = Small.Size;
        var mean = MeanImage(Enumerable.Range(0, Small.TrainGood)
            .Select(i => Path.Combine(summary.Folder, "train", "good", $"{i:D3}.png")), size);

        foreach (string defect in SyntheticProductLine.DefectTypes)
            for (int i = 0; i < Small.DefectsPerType; i++)
            {
                var rgb = ReadRgb(Path.Combine(summary.Folder, "test", defect, $"{i:D3}.png"));
                var mask = ReadMask(Path.Combine(summary.Folder, "ground_truth", defect, $"{i:D3}_mask.png"));
                double inside = 0, outside = 0;
                int insideCount = 0, outsideCount = 0;
                for (int p = 0; p < size * size; p++)
                {
                    double difference = Enumerable.Range(0, 3).Average(c => Math.Abs(rgb[p * 3 + c] - mean[p * 3 + c]));
                    if (mask[p] == 255) { inside += difference; insideCount++; }
                    else { outside += difference; outsideCount++; }
                }
                inside /= insideCount;
                outside /= outsideCount;
                Assert.True(inside > 40, $"{defect} {i}: defect pixels differ from good by only {inside:F1} grey levels.");
                Assert.True(inside > 2.5 * outside, $"{defect} {i}: inside {inside:F1} vs outside {outside:F1}.");
            }
    }

    [Fact]
    public void GoodTestImages_LookLikeGoodTrainImages_ButAreNotCopies()
    {
        var summary = SyntheticProductLine.Generate(Folder("good"), Small);
        var train = Enumerable.Range(0, Small.TrainGood)
            .Select(i => ReadRgb(Path.Combine(summary.Folder, "train", "good", $"{i:D3}.png"))).ToArray();
        var mean = new double[train[0].Length];
        foreach (var rgb in train)
            for (int p = 0; p < mean.Length; p++) mean[p] += rgb[p] / (double)train.Length;
        double Distance(byte[] rgb) => rgb.Select((value, p) => Math.Abs(value - mean[p])).Average();
        double trainSpread = train.Max(Distance);
        Assert.True(trainSpread > 1, "Good training images are all identical; the line should vary a little.");

        for (int i = 0; i < Small.TestGood; i++)
        {
            var rgb = ReadRgb(Path.Combine(summary.Folder, "test", "good", $"{i:D3}.png"));
            double distance = Distance(rgb);
            Assert.True(distance < 20 && distance < 1.25 * trainSpread,
                $"Good test image {i} is {distance:F1} from the good mean; training images are at most {trainSpread:F1}.");
            Assert.DoesNotContain(train, t => t.AsSpan().SequenceEqual(rgb));
        }
    }

    [Fact]
    public void InvalidOptions_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticProductLine.Generate(Folder("x"), Small with { Size = 8 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticProductLine.Generate(Folder("x"), Small with { TrainGood = -1 }));
    }

    private static string[] Names(int count, string suffix) =>
        Enumerable.Range(0, count).Select(i => $"{i:D3}{suffix}.png").ToArray();

    private static string[] PngNames(string root, string split, string category) =>
        Directory.GetFiles(Path.Combine(root, split, category)).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();

    private static string[] RelativeFiles(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToArray();

    private static byte[] ReadRgb(string path)
    {
        using var decoded = SKBitmap.Decode(path);
        using var bitmap = decoded.Copy(SKColorType.Rgba8888);
        var rgba = bitmap.GetPixelSpan();
        var rgb = new byte[bitmap.Width * bitmap.Height * 3];
        for (int p = 0; p < bitmap.Width * bitmap.Height; p++)
            for (int c = 0; c < 3; c++) rgb[p * 3 + c] = rgba[p * 4 + c];
        return rgb;
    }

    private static byte[] ReadMask(string path)
    {
        using var decoded = SKBitmap.Decode(path);
        using var bitmap = decoded.Copy(SKColorType.Gray8);
        return bitmap.GetPixelSpan().ToArray();
    }

    private static double[] MeanImage(IEnumerable<string> paths, int size)
    {
        var sum = new double[size * size * 3];
        int count = 0;
        foreach (string path in paths)
        {
            var rgb = ReadRgb(path);
            for (int i = 0; i < sum.Length; i++) sum[i] += rgb[i];
            count++;
        }
        for (int i = 0; i < sum.Length; i++) sum[i] /= count;
        return sum;
    }
}
