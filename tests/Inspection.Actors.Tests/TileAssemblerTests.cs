using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Inspection.Actors.Messages;
using Inspection.Actors.Scoring;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using Xunit;
using Inspection.Engine.Tiling;

namespace Inspection.Actors.Tests;

/// <summary>
/// The tile assembler turns a tiled frame's scored tiles into its one result, tells the extractor when each batch of
/// tiles is scored (so it cuts the next), and fails the frame at its first failed tile, once.
/// </summary>
public sealed class TileAssemblerTests() : TestKit(ConfigurationFactory.ParseString("akka.actor.provider = local"))
{
    // A 4 x 12 frame in tiles of 4 x 4, no overlap: three tiles side by side, sent in batches of 2 (tiles 0-1, then 2).
    private static readonly TileLayout Layout = new(12, 4, new Extent(4, 4), 0);
    private static readonly FrameId Frame = new("l", "cam", 7);

    private static FrameId[] Ids(long first) => Enumerable.Range(0, 3).Select(i => new FrameId("l", TileAssemblerActor.TileCamera, first + i)).ToArray();

    private static InspectionResult Tile(FrameId id, float score, float value) =>
        new(id, "v1", score, score / 10, score > 0.8f, null, 1, FeatureBlock.FromFloats(Enumerable.Repeat(value, 16).ToArray(), 4, 4, FeaturePrecision.Float16));

    [Fact]
    public void A_frames_tiles_in_any_order_make_one_result_of_the_worst_tile_with_the_maps_side_by_side_and_each_scored_batch_is_reported()
    {
        var extractor = CreateTestProbe();
        var line = CreateTestProbe();
        var assembler = Sys.ActorOf(TileAssemblerActor.Props(1_000, extractor.Ref));
        var ids = Ids(100);
        assembler.Tell(new TileAssemblerActor.Expect(Frame, "v1", line.Ref, Layout, ids, 2, 100));
        assembler.Tell(Tile(ids[1], 0.5f, 1));
        assembler.Tell(Tile(ids[2], 0.3f, 3)); // the second batch's only tile
        Assert.Equal(100, extractor.ExpectMsg<TileAssemblerActor.BatchScored>().Key);
        assembler.Tell(Tile(ids[0], 0.9f, 2)); // the line's first message must be the whole frame's result
        Assert.Equal(100, extractor.ExpectMsg<TileAssemblerActor.BatchScored>().Key);
        var result = line.ExpectMsg<InspectionResult>();
        Assert.Equal((Frame, 0.9f, 0.9f / 10, true), (result.Frame, result.Score, result.NormalisedScore, result.Defective)); // the worst tile's
        Assert.Null(result.Error);
        Assert.Equal((4, 12), (result.AnomalyMap!.Rows, result.AnomalyMap.Columns));
        Assert.Equal(new float[] { 2, 2, 2, 2, 1, 1, 1, 1, 3, 3, 3, 3 }, result.AnomalyMap.ToFloats()[..12]);
    }

    [Fact]
    public void The_first_failed_tile_fails_the_frame_once_and_tells_the_extractor_to_cut_no_more()
    {
        var extractor = CreateTestProbe();
        var line = CreateTestProbe();
        var assembler = Sys.ActorOf(TileAssemblerActor.Props(1_000, extractor.Ref));
        var ids = Ids(200);
        assembler.Tell(new TileAssemblerActor.Expect(Frame, "v1", line.Ref, Layout, ids, 2, 200));
        assembler.Tell(Tile(ids[0], 0.5f, 1));
        assembler.Tell(InspectionResult.Failure(ids[1], "v1", "shard l/v1/0 did not answer within 5 s", 5000, retryable: true));
        var failed = line.ExpectMsg<InspectionResult>();
        Assert.Equal(Frame, failed.Frame);
        Assert.Equal("tile 1 of 3: shard l/v1/0 did not answer within 5 s", failed.Error);
        Assert.True(failed.Retryable);
        Assert.Equal(200, extractor.ExpectMsg<TileAssemblerActor.Ended>().Key);
        assembler.Tell(Tile(ids[2], 0.9f, 3)); // late tiles of a failed frame are dropped: the next message is the next frame's

        // A frame whose extraction failed is failed with the extractor's reason.
        var next = Ids(300);
        assembler.Tell(new TileAssemblerActor.Expect(Frame, "v1", line.Ref, Layout, next, 2, 300));
        assembler.Tell(new TileAssemblerActor.Failed(300, "feature extraction failed: out of device memory"));
        Assert.Equal("feature extraction failed: out of device memory", line.ExpectMsg<InspectionResult>().Error);
    }

    [Fact]
    public void A_stitched_map_over_the_budget_is_shrunk_keeping_its_maximum()
    {
        var extractor = CreateTestProbe();
        var line = CreateTestProbe();
        var assembler = Sys.ActorOf(TileAssemblerActor.Props(12, extractor.Ref)); // 48 pixels into 12: 2 x 6
        var ids = Ids(400);
        assembler.Tell(new TileAssemblerActor.Expect(Frame, "v1", line.Ref, Layout, ids, 2, 400));
        for (int i = 0; i < 3; i++) assembler.Tell(Tile(ids[i], 0.1f * i, i == 1 ? 5 : 0));
        var map = line.ExpectMsg<InspectionResult>().AnomalyMap!;
        Assert.Equal((2, 6), (map.Rows, map.Columns));
        Assert.Equal(new float[] { 0, 0, 5, 5, 0, 0 }, map.ToFloats()[..6]);
    }
}
