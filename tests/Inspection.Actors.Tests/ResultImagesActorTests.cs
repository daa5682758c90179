using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Inspection.Actors.Messages;
using Inspection.Actors.Results;
using SkiaSharp;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// A gpu node's result images: a frame's images are written as its line asked, and the line gets the result without
/// the map and with the overlay's path; a write that fails, or a node without a folder, gives the result without images
/// (never loses it). Another node gets an image drawn here, and nothing outside the folder.
/// </summary>
public sealed class ResultImagesActorTests() : TestKit(ConfigurationFactory.ParseString("akka.actor.provider = local"))
{
    private readonly TempFolder _folder = new();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _folder.Dispose();
    }

    private static CapturedFrame Frame(string resultId, ImagePolicy images)
    {
        using var bitmap = new SKBitmap(40, 30);
        bitmap.Erase(SKColors.Gray);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return new CapturedFrame(new FrameId("line-i", "cam", 1), png.ToArray(), "f.png", resultId, null, images);
    }

    private static InspectionResult Scored(CapturedFrame frame) =>
        new(frame.Frame, "v1", 2.5f, 0.5f, false, null, 10, FeatureBlock.FromFloats(Enumerable.Range(0, 6 * 8).Select(i => i / 50f).ToArray(), 6, 8,
            FeaturePrecision.Float16));

    private InspectionResult Kept(string? folder, CapturedFrame frame, InspectionResult? result = null)
    {
        var keeper = Sys.ActorOf(ResultImagesActor.Props(folder));
        keeper.Tell(new ResultImagesActor.Keep(result ?? Scored(frame), frame, FakeRegistry.Model("line-i")), TestActor);
        var kept = ExpectMsg<InspectionResult>(TimeSpan.FromSeconds(10));
        Assert.Null(kept.AnomalyMap); // the map never goes on to the line
        return kept;
    }

    [Fact]
    public void Images_are_kept_as_the_line_asks_and_the_result_names_them()
    {
        string folder = _folder.File("results");
        var onRequest = Kept(folder, Frame("r1", ImagePolicy.OnRequest));
        Assert.Equal(ResultFiles.Overlay(folder, "line-i", "r1"), onRequest.ImagesAt);
        Assert.True(File.Exists(ResultFiles.MapBeside(onRequest.ImagesAt!)));
        Assert.Equal(Frame("r1", ImagePolicy.OnRequest).Encoded, File.ReadAllBytes(ResultFiles.ImageBeside(onRequest.ImagesAt!)!));
        Assert.False(File.Exists(onRequest.ImagesAt), "drawn only when first asked for");
        Assert.Equal((2.5f, "v1"), (onRequest.Score, onRequest.ModelVersion));

        var drawn = Kept(folder, Frame("r2", ImagePolicy.Drawn));
        Assert.True(File.Exists(drawn.ImagesAt));
        Assert.True(File.Exists(ResultFiles.HeatmapBeside(drawn.ImagesAt!)));

        var none = Kept(folder, Frame("r3", ImagePolicy.None));
        Assert.Null(none.ImagesAt);
        Assert.Null(ResultFiles.ImageBeside(ResultFiles.Overlay(folder, "line-i", "r3")));
    }

    [Fact]
    public void A_result_whose_images_cannot_be_written_goes_on_without_them()
    {
        // No folder on this node, a folder that is a file, a failed frame: the result arrives, without images.
        Assert.Null(Kept(null, Frame("r4", ImagePolicy.OnRequest)).ImagesAt);
        string blocked = _folder.File("blocked");
        File.WriteAllText(blocked, "a file where the folder should be");
        var unwritable = Kept(blocked, Frame("r5", ImagePolicy.OnRequest));
        Assert.Null(unwritable.ImagesAt);
        Assert.Equal(2.5f, unwritable.Score);
        var frame = Frame("r6", ImagePolicy.OnRequest);
        var failed = Kept(_folder.File("results"), frame, InspectionResult.Failure(frame.Frame, "v1", "shard did not answer", 5));
        Assert.Equal(("shard did not answer", null), (failed.Error, failed.ImagesAt));
    }

    [Fact]
    public void Another_node_gets_an_image_drawn_here_and_nothing_outside_the_folder()
    {
        string folder = _folder.File("results");
        string overlay = Kept(folder, Frame("r7", ImagePolicy.OnRequest)).ImagesAt!;
        var keeper = Sys.ActorOf(ResultImagesActor.Props(folder));

        keeper.Tell(new GetResultImage(overlay, ResultImageKind.Overlay), TestActor);
        var drawn = ExpectMsg<ResultImageAnswer>(TimeSpan.FromSeconds(10));
        Assert.True(drawn.Held);
        Assert.Equal(File.ReadAllBytes(overlay), drawn.Bytes); // drawn here on request, and sent
        using (var png = SKBitmap.Decode(drawn.Bytes)) Assert.Equal((40, 30), (png.Width, png.Height));

        keeper.Tell(new GetResultImage(overlay, ResultImageKind.Image), TestActor);
        Assert.Equal(Frame("r7", ImagePolicy.OnRequest).Encoded, ExpectMsg<ResultImageAnswer>().Bytes);

        // A map damaged on disk: held here, with the reason it cannot be drawn.
        string heatmapOf = ResultFiles.Overlay(folder, "line-i", "r8");
        Kept(folder, Frame("r8", ImagePolicy.OnRequest));
        File.WriteAllBytes(ResultFiles.MapBeside(heatmapOf), [1, 2, 3]);
        keeper.Tell(new GetResultImage(heatmapOf, ResultImageKind.Heatmap), TestActor);
        var damaged = ExpectMsg<ResultImageAnswer>(TimeSpan.FromSeconds(10));
        Assert.True(damaged.Held);
        Assert.Null(damaged.Bytes);
        Assert.Contains("cannot be drawn", damaged.Problem);

        // Not kept here, or outside the folder (also by "..") : not this node's to give.
        foreach (string elsewhere in new[] { ResultFiles.Overlay(folder, "line-i", "never"), _folder.File("other/line-i/r7-overlay.png"),
                     Path.Combine(folder, "..", "secret-overlay.png") })
        {
            keeper.Tell(new GetResultImage(elsewhere, ResultImageKind.Image), TestActor);
            var answer = ExpectMsg<ResultImageAnswer>(TimeSpan.FromSeconds(10));
            Assert.False(answer.Held, elsewhere);
            Assert.Null(answer.Bytes);
        }
    }
}
