using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using SkiaSharp;
using Xunit;

namespace Inspection.Actors.Tests;

public sealed class FrameTimeScaleTests
{
    private static readonly ModelDeployment Tiled =
        new("l", "v1", 1, 100, 384, 9, "resnet18", ["layer2", "layer3"], null, 64, 8, 4.0, 1, 0, 2, 1, 0, 2, Tiled: true, TileOverlap: 16);

    [Fact]
    public void A_tiled_frame_may_take_its_tiles_over_the_tiles_per_timeout_and_any_other_frame_its_usual_time()
    {
        using var bitmap = new SKBitmap(192, 512);
        byte[] frame = bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray();
        Assert.Equal(44 / 8.0, FrameTimeScale.Of(Tiled, frame, 8)); // 4 x 11 tiles of 64 overlapping by 16
        Assert.Equal(1, FrameTimeScale.Of(Tiled with { Tiled = false }, frame, 8));
        Assert.Equal(1, FrameTimeScale.Of(Tiled, frame, 100)); // never less than a frame's time
        Assert.Equal(1, FrameTimeScale.Of(Tiled, [1, 2, 3], 8)); // no header: the extractor fails it with the reason
    }
}
