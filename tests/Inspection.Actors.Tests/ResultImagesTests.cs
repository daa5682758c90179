using Inspection.Actors.Results;
using Inspection.Actors.Messages;
using SkiaSharp;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>A scored frame keeps its frame and map; the overlay and heatmap drawn later match what is drawn at once.</summary>
public sealed class ResultImagesTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static CapturedFrame Frame()
    {
        using var bitmap = new SKBitmap(40, 30);
        bitmap.Erase(SKColors.Gray);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return new CapturedFrame(new FrameId("line-i", "cam", 1), png.ToArray(), "f.png");
    }

    private static FeatureBlock Map() => FeatureBlock.FromFloats(Enumerable.Range(0, 8 * 6).Select(i => i / 10f).ToArray(), 6, 8);

    [Fact]
    public void Images_drawn_on_request_are_those_drawn_at_once()
    {
        var model = FakeRegistry.Model("line-i");
        var (later, laterBytes) = ResultImages.Keep(_folder.File("later"), "line-i", "r1", Frame(), Map(), model, draw: false);
        var (now, nowBytes) = ResultImages.Keep(_folder.File("now"), "line-i", "r1", Frame(), Map(), model, draw: true);
        Assert.False(File.Exists(later));
        Assert.True(File.Exists(now));
        // What each kept is what lies on disk: the frame and the map, and with drawing the overlay and heatmap too.
        Assert.Equal(Frame().Encoded.Length + 12 + 8 * 6 * 2, laterBytes);
        Assert.Equal(laterBytes + new FileInfo(now).Length + new FileInfo(ResultFiles.HeatmapBeside(now)).Length, nowBytes);
        Assert.Equal(Frame().Encoded, File.ReadAllBytes(ResultFiles.ImageBeside(later)!));

        Assert.Equal(later, ResultImages.Overlay(later));
        using (var overlay = SKBitmap.Decode(later)) Assert.Equal((40, 30), (overlay.Width, overlay.Height));
        Assert.Equal(File.ReadAllBytes(now), File.ReadAllBytes(later));
        string heatmap = ResultImages.Heatmap(later)!;
        Assert.Equal(File.ReadAllBytes(ResultFiles.HeatmapBeside(now)), File.ReadAllBytes(heatmap));
    }

    [Fact]
    public void Without_its_map_nothing_is_drawn_and_a_damaged_map_is_named()
    {
        var model = FakeRegistry.Model("line-i");
        var (overlay, _) = ResultImages.Keep(_folder.File("gone"), "line-i", "r2", Frame(), Map(), model, draw: false);
        File.WriteAllBytes(ResultFiles.MapBeside(overlay), [1, 2, 3, 4, 5]);
        Assert.Throws<InvalidDataException>(() => ResultImages.Heatmap(overlay));
        File.Delete(ResultFiles.MapBeside(overlay));
        Assert.Null(ResultImages.Overlay(overlay));
        Assert.Null(ResultImages.Heatmap(overlay));
    }
}
