using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Hosting;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Inspection.Actors.Training;
using Inspection.Engine.Data;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using Xunit;
using static TorchSharp.torch;

namespace Inspection.Actors.Tests;

/// <summary>
/// An elongated line on auto image size in a two-node cluster (two shards, one per node, so training features and the
/// remote shard's frames cross between the nodes): the model takes the parts' aspect, the cluster's scores equal the
/// engine's, and a frame far from that aspect is scored with a warning, or refused where the line says so.
/// </summary>
public sealed class RectangularLineTests
{
    [Fact]
    public async Task An_auto_sized_line_scores_like_the_engine_and_flags_or_refuses_frames_of_another_aspect()
    {
        using var folder = new TempFolder();
        var strips = SyntheticStripLine.Generate(folder.File("strips"),
            new SyntheticStripOptions(Seed: 5, TrainGood: 10, TestGood: 3, DefectsPerType: 1, Height: 256, Width: 64));
        SyntheticProductLine.Generate(folder.File("square"), new SyntheticLineOptions(Seed: 2, TrainGood: 1, TestGood: 1, DefectsPerType: 0, Size: 96));
        string square = Directory.GetFiles(Path.Combine(folder.File("square"), "test", "good")).Single();
        var settings = new PatchCoreSettings { AutoImagePixels = 4096, CoresetRatio = 0.25, Seed = 1 };
        var category = MvtecCategory.Open(strips.Folder);
        using var engine = new PatchCoreTrainer(settings, CPU).Train(TrainingSplit.Of(category, settings));
        Assert.Equal(new Extent(128, 32), engine.Metadata.ImageSize);
        var files = category.Test.Select(t => t.Path).ToList();
        var expected = engine.Inspect(PreparedImage.FromFiles(files, engine.Metadata.ImageSize));
        var want = files.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => expected.ImageScores[x.i]);

        var nodes = new List<ClusterNode>();
        try
        {
            await ClusterNode.StartCluster(nodes, 2, folder.File("inspection.db"), o => o with { Training = settings with { AutoImagePixels = null }, BatchSize = 4 });
            var pipeline = await InspectionPipeline.For(nodes[0].System);
            await pipeline.AwaitShardRegions(2, TimeSpan.FromSeconds(30));
            var trainer = await ActorRegistry.For(nodes[0].System).GetAsync<TrainingCoordinator>();
            var lineSettings = LineSettings.Default with { AutoImagePixels = 4096, CoresetRatio = 0.25, Shards = 2, Replicas = 1 };
            foreach (var (name, refuse) in new[] { ("strips", false), ("strict", true) })
            {
                await pipeline.Registry.Ask<LineConfigured>(new ConfigureLine(name, lineSettings with { RefuseAspectMismatch = refuse }), TimeSpan.FromSeconds(10));
                Assert.IsType<TrainingCompleted>(await trainer.Ask<object>(new TrainLine(name, strips.Folder, 2, lineSettings), TimeSpan.FromMinutes(3)));
            }
            var deployment = await pipeline.Registry.Ask<ModelDeployment>(new GetDeployment("strips"), TimeSpan.FromSeconds(10));
            Assert.Equal((128, 32, 16, 4, 2), (deployment.ImageSize, deployment.InputWidth, deployment.PatchGrid, deployment.GridColumns, deployment.ShardCount));
            Assert.Equal(0.25, deployment.TrainingAspect, 6);

            var inbox = Inbox.Create(nodes[0].System);
            async Task<List<StoredResult>> Score(string name, IReadOnlyList<string> images)
            {
                var line = pipeline.StartLine(name, new LineOptions());
                for (int i = 0; i < images.Count; i++)
                    inbox.Send(line, new CapturedFrame(new FrameId(name, "cam", i), File.ReadAllBytes(images[i]), images[i]));
                var results = new List<StoredResult>();
                while (results.Count < images.Count)
                    if (await inbox.ReceiveAsync(TimeSpan.FromSeconds(60)) is StoredResult r) results.Add(r);
                return results;
            }

            var scored = await Score("strips", [.. files, square]);
            foreach (var r in scored.Where(r => r.Source != square))
            {
                Assert.Null(r.Error);
                Assert.Null(r.Warning);
                Assert.True(Math.Abs(r.Score - want[r.Source]) <= 1e-4 * Math.Abs(want[r.Source]), $"{r.Source}: cluster {r.Score}, engine {want[r.Source]}");
            }
            var flagged = scored.Single(r => r.Source == square);
            Assert.Null(flagged.Error);
            Assert.True(float.IsFinite(flagged.Score));
            Assert.Contains("96x96", flagged.Warning);
            Assert.Contains("far from the training images' 0.25", flagged.Warning);

            var strict = await Score("strict", [files[0], square]);
            Assert.Null(strict.Single(r => r.Source == files[0]).Error);
            var refused = strict.Single(r => r.Source == square);
            Assert.StartsWith("refused: the frame is 96x96", refused.Error);
            Assert.False(float.IsFinite(refused.Score));
        }
        finally
        {
            for (int i = nodes.Count - 1; i >= 0; i--) await nodes[i].DisposeAsync();
        }
    }
}
