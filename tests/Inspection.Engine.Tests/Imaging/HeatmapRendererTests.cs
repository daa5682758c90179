using Inspection.Engine.Imaging;
using SkiaSharp;
using Xunit;

namespace Inspection.Engine.Tests.Imaging;

/// <summary>Operators read heatmaps by colour alone, so the scale direction and the overlay geometry must be right.</summary>
public sealed class HeatmapRendererTests
{
    [Fact]
    public void Colorize_MapsLowToBlue_AndHighToRed()
    {
        float[] map = [0f, 0.5f, 1f, -3f, 7f, float.NaN];
        using var bitmap = HeatmapRenderer.Colorize(map, 3, 2, 0f, 1f);

        Assert.Equal(3, bitmap.Width);
        Assert.Equal(2, bitmap.Height);
        AssertBlue(bitmap.GetPixel(0, 0));
        AssertRed(bitmap.GetPixel(2, 0));
        AssertBlue(bitmap.GetPixel(0, 1));
        AssertRed(bitmap.GetPixel(1, 1));
        AssertBlue(bitmap.GetPixel(2, 1));
        var middle = bitmap.GetPixel(1, 0);
        Assert.True(middle.Green > middle.Red && middle.Green > middle.Blue, $"Middle of the scale is {middle}, not green.");
        Assert.Equal(bitmap.GetPixel(0, 1), bitmap.GetPixel(0, 0));
        Assert.Equal(bitmap.GetPixel(1, 1), bitmap.GetPixel(2, 0));
    }

    [Fact]
    public void Colorize_RampRisesInRedAndFallsInBlue()
    {
        var map = Enumerable.Range(0, 11).Select(i => i / 10f).ToArray();
        using var bitmap = HeatmapRenderer.Colorize(map, 11, 1, 0f, 1f);
        for (int x = 1; x < 11; x++)
        {
            Assert.True(bitmap.GetPixel(x, 0).Red >= bitmap.GetPixel(x - 1, 0).Red || x > 8);
            Assert.True(bitmap.GetPixel(x, 0).Blue <= bitmap.GetPixel(x - 1, 0).Blue || x < 3);
        }
    }

    [Fact]
    public void Colorize_FlatRange_DoesNotFail()
    {
        using var bitmap = HeatmapRenderer.Colorize([2f, 2f, 3f, 1f], 2, 2, 2f, 2f);
        AssertBlue(bitmap.GetPixel(0, 0));
        AssertRed(bitmap.GetPixel(0, 1));
    }

    [Fact]
    public void Colorize_RejectsMapOfWrongLength()
    {
        Assert.Throws<ArgumentException>(() => HeatmapRenderer.Colorize(new float[5], 2, 2, 0f, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeatmapRenderer.Colorize([], 0, 0, 0f, 1f));
    }

    [Fact]
    public void Overlay_HasTheOriginalSize_AndShowsHotRegionAsRed()
    {
        using var original = new SKBitmap(new SKImageInfo(120, 80, SKColorType.Bgra8888, SKAlphaType.Premul));
        original.Erase(new SKColor(128, 128, 128));
        // 4x4 map: right half hot, left half cold.
        float[] map = Enumerable.Range(0, 16).Select(i => i % 4 >= 2 ? 1f : 0f).ToArray();

        byte[] png = HeatmapRenderer.EncodeOverlayPng(original, map, 4, 4, 0f, 1f);
        using var decoded = SKBitmap.Decode(png);

        Assert.NotNull(decoded);
        Assert.Equal(120, decoded.Width);
        Assert.Equal(80, decoded.Height);
        var hot = decoded.GetPixel(110, 40);
        var cold = decoded.GetPixel(10, 40);
        Assert.True(hot.Red > hot.Blue + 40, $"Hot side is {hot}.");
        Assert.True(cold.Blue > cold.Red + 40, $"Cold side is {cold}.");
        // Half-transparent: the grey of the original still contributes (jet ends in dark red and dark blue, 128).
        Assert.InRange(hot.Red, 115, 141);
        Assert.InRange(hot.Green, 50, 78);
        Assert.InRange(cold.Red, 50, 78);
        Assert.InRange(cold.Blue, 115, 141);
        // Bilinear upsampling gives a gradual transition rather than a hard block edge.
        var edge = decoded.GetPixel(60, 40);
        Assert.True(edge.Red > cold.Red && edge.Red < hot.Red, $"Transition pixel is {edge}.");
    }

    [Fact]
    public void WriteOverlay_WritesADecodablePngOfTheOriginalSize()
    {
        string folder = Path.Combine(Path.GetTempPath(), "heatmap-tests-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var original = new SKBitmap(new SKImageInfo(64, 48, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            original.Erase(SKColors.White);
            string path = Path.Combine(folder, "nested", "overlay.png");

            HeatmapRenderer.WriteOverlay(original, new float[] { 0f, 0.2f, 0.8f, 1f, 0.5f, 0.1f }, 3, 2, 0f, 1f, path);

            using var decoded = SKBitmap.Decode(path);
            Assert.NotNull(decoded);
            Assert.Equal(64, decoded.Width);
            Assert.Equal(48, decoded.Height);
            Assert.Equal(File.ReadAllBytes(path),
                HeatmapRenderer.EncodeOverlayPng(original, new float[] { 0f, 0.2f, 0.8f, 1f, 0.5f, 0.1f }, 3, 2, 0f, 1f));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private static void AssertBlue(SKColor color) =>
        Assert.True(color.Blue > 100 && color.Blue > color.Red + 60 && color.Blue > color.Green + 60, $"{color} is not blue.");

    private static void AssertRed(SKColor color) =>
        Assert.True(color.Red > 100 && color.Red > color.Blue + 60 && color.Red > color.Green + 60, $"{color} is not red.");
}
