using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Hosting;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Inspection.Actors.Scoring;
using Inspection.Actors.Training;
using Inspection.Engine.Data;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;
using Inspection.Engine.Tiling;

namespace Inspection.Actors.Tests;

/// <summary>
/// A tiled line in a two-node cluster with two shards, one per node: every frame is cut into tiles at its own size,
/// the tiles go to the shards in batches like frames do (half the bank is on the other node), and each frame gets one
/// result: its worst tile's score, equal to the engine's tiled score, and the stitched map at the frame's size (shrunk
/// to the node's map budget for a large frame). A frame smaller than a tile is enlarged to one; a corrupt frame fails
/// with the decoder's reason.
/// </summary>
public sealed class TiledLineTests
{
    [Fact]
    public async Task A_tiled_line_scores_each_frame_as_its_worst_tile_like_the_engine_and_returns_the_stitched_map()
    {
        using var folder = new TempFolder();
        var strips = SyntheticStripLine.Generate(folder.File("strips"),
            new SyntheticStripOptions(Seed: 5, TrainGood: 6, TestGood: 2, DefectsPerType: 1, Height: 256, Width: 64));
        var large = SyntheticStripLine.Generate(folder.File("large"), new SyntheticStripOptions(Seed: 6, TrainGood: 1, TestGood: 1, DefectsPerType: 0, Height: 512, Width: 192));
        SyntheticProductLine.Generate(folder.File("small"), new SyntheticLineOptions(Seed: 2, TrainGood: 1, TestGood: 1, DefectsPerType: 0, Size: 48));
        string largeFrame = Directory.GetFiles(Path.Combine(large.Folder, "test", "good")).Single();
        string smallFrame = Directory.GetFiles(Path.Combine(folder.File("small"), "test", "good")).Single();
        var settings = new PatchCoreSettings { ImageSize = 64, TileOverlap = 16, CoresetRatio = 0.25, Seed = 1 };
        var category = MvtecCategory.Open(strips.Folder);
        using var engine = new PatchCoreTrainer(settings, CPU).Train(TrainingSplit.Of(category, settings));
        var files = category.Test.Select(t => t.Path).Append(largeFrame).Append(smallFrame).ToList();
        var want = files.ToDictionary(f => f, f =>
        {
            using var bitmap = ImageDecoder.Decode(f);
            return TiledInspection.Inspect(engine, bitmap, 16, 3);
        });
        Assert.Equal(4 * 11, TiledInspection.LayoutOf(largeFrame, new Extent(64, 64), 16).Count); // 192 wide: 4 columns; 512 high: 11 rows

        var nodes = new List<ClusterNode>();
        try
        {
            // Batches of 4 tiles: a 256 x 64 strip's 5 tiles go as 4 and 1. A map budget of 16,384 pixels shrinks the large frame's.
            await ClusterNode.StartCluster(nodes, 2, folder.File("inspection.db"), o => o with
            {
                Training = settings with { TileOverlap = null }, BatchSize = 4, MaxMapPixels = 16_384, ResultImagesFolder = folder.File("maps"),
            });
            var pipeline = await InspectionPipeline.For(nodes[0].System);
            await pipeline.AwaitShardRegions(2, TimeSpan.FromSeconds(30));
            var trainer = await ActorRegistry.For(nodes[0].System).GetAsync<TrainingCoordinator>();
            var lineSettings = LineSettings.Default with { ImageSize = 64, Tiled = true, TileOverlap = 16, CoresetRatio = 0.25, Shards = 2, Replicas = 1 };
            await pipeline.Registry.Ask<LineConfigured>(new ConfigureLine("tiles", lineSettings), TimeSpan.FromSeconds(10));
            var trained = Assert.IsType<TrainingCompleted>(await trainer.Ask<object>(new TrainLine("tiles", strips.Folder, 2, lineSettings), TimeSpan.FromMinutes(3)));
            Assert.Equal(engine.BankSize, trained.BankSize);
            var deployment = await pipeline.Registry.Ask<ModelDeployment>(new GetDeployment("tiles"), TimeSpan.FromSeconds(10));
            Assert.Equal((true, 16, 64, 8, 2), (deployment.Tiled, deployment.TileOverlap, deployment.ImageSize, deployment.PatchGrid, deployment.ShardCount));

            var line = pipeline.StartLine("tiles", new LineOptions { Images = ImagePolicy.OnRequest });
            var inbox = Inbox.Create(nodes[0].System);
            var frames = files.Append("corrupt.png").ToList();
            for (int i = 0; i < frames.Count; i++)
            {
                byte[] bytes = i < files.Count ? File.ReadAllBytes(frames[i]) : File.ReadAllBytes(files[0])[..200];
                inbox.Send(line, new CapturedFrame(new FrameId("tiles", "cam", i), bytes, frames[i]));
            }
            var results = new List<StoredResult>();
            while (results.Count < frames.Count)
                if (await inbox.ReceiveAsync(TimeSpan.FromSeconds(120)) is StoredResult r) results.Add(r);

            var calibration = deployment.Calibration();
            foreach (var r in results.Where(r => r.Source != "corrupt.png"))
            {
                Assert.Null(r.Error);
                var expected = want[r.Source];
                Assert.True(Math.Abs(r.Score - expected.Score) <= 1e-4 * Math.Abs(expected.Score), $"{r.Source}: cluster {r.Score}, engine {expected.Score}");
                var kept = Results.ResultImages.KeptMap(r.HeatmapPath!) ?? throw new Xunit.Sdk.XunitException($"no map kept for {r.Source}");
                if (r.Source == largeFrame)
                {
                    // 512 x 192 over a budget of 16,384 pixels: every 3 x 3 block's maximum, 171 x 64.
                    Assert.Equal((171, 64), (kept.Rows, kept.Columns));
                    Assert.True(Math.Abs(calibration.NormalisePixel(expected.Map.Max()) - kept.Values.Max()) < 1e-2, "the shrunk map keeps the stitched map's maximum");
                    continue;
                }
                Assert.Equal((expected.MapSize.Height, expected.MapSize.Width), (kept.Rows, kept.Columns));
                var normalised = expected.Map.Select(calibration.NormalisePixel).ToArray();
                Assert.True(normalised.Zip(kept.Values, (a, b) => Math.Abs(a - b)).Max() < 1e-2, $"{r.Source}: the stitched map differs from the engine's");
            }
            Assert.Equal((256, 64), (want[files[0]].MapSize.Height, want[files[0]].MapSize.Width));
            Assert.Equal((64, 64), (want[smallFrame].MapSize.Height, want[smallFrame].MapSize.Width)); // 48 x 48 enlarged to one tile
            var corrupt = results.Single(r => r.Source == "corrupt.png");
            Assert.NotNull(corrupt.Error);
            Assert.Contains("corrupt.png", corrupt.Error);
        }
        finally
        {
            for (int i = nodes.Count - 1; i >= 0; i--) await nodes[i].DisposeAsync();
        }
    }
}
