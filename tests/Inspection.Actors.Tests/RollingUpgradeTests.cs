using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Hosting;
using Inspection.Actors.Messages;
using Inspection.Actors.Registry;
using Inspection.Actors.Scoring;
using Inspection.Actors.Shards;
using Inspection.Actors.Training;
using Inspection.Engine.Data;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Inspection.Actors.Tests;

/// <summary>
/// A rolling upgrade's middle: one node still writes the previous wire version (1, what builds before version 2
/// read), the other writes the new one (2), in one cluster over TCP and one journal. A line trained across both, with
/// a shard on each, scores the same frames identically from either node, and equal to the engine, while every message
/// between them crosses in the writer's own version.
/// </summary>
public sealed class RollingUpgradeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Nodes_writing_the_previous_and_the_new_wire_version_score_the_same_frames_identically()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 5, TrainGood: 12, TestGood: 4, DefectsPerType: 2, Size: 128));
        var settings = new PatchCoreSettings { ImageSize = 128, CoresetRatio = 0.1, Seed = 1 };
        var category = MvtecCategory.Open(data);
        using var engine = new PatchCoreTrainer(settings, CPU).Train(TrainingSplit.Of(category, settings));
        var images = PreparedImage.FromFiles(category.Test.Select(t => t.Path).ToList(), settings.ImageSize);
        var expected = engine.Inspect(images);

        int seedPort = TestSupport.FreePort();
        var nodes = new List<ClusterNode>
        {
            await ClusterNode.Start(seedPort, seedPort, folder.File("inspection.db"), o => o with { Training = settings, WireVersion = 1 }),
        };
        try
        {
            nodes.Add(await ClusterNode.Start(TestSupport.FreePort(), seedPort, folder.File("inspection.db"), o => o with { Training = settings, WireVersion = 2 }));
            await ClusterNode.AllUp(nodes, TimeSpan.FromSeconds(30));

            // Bytes each node's serializer wrote, by wire version: the upgraded node must never write what the
            // previous builds cannot read while it is told to write version 1.
            var written = new ConcurrentDictionary<(string Node, int Wire, string Message), long>();
            var addresses = nodes.Select(n => n.Address).ToHashSet();
            using var listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Meter.Name == PipelineMetrics.MeterName && instrument.Name == PipelineMetrics.SerializedBytesName) l.EnableMeasurementEvents(instrument);
                },
            };
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string? node = null, message = null;
                int wire = 0;
                foreach (var tag in tags)
                {
                    if (tag.Key == "node") node = (string?)tag.Value;
                    if (tag.Key == "message") message = (string?)tag.Value;
                    if (tag.Key == "wire") wire = (int)tag.Value!;
                }
                if (node != null && message != null && addresses.Contains(node)) written.AddOrUpdate((node, wire, message), value, (_, v) => v + value);
            });
            listener.Start();

            // Two shards of one replica each: every frame's queries go to both nodes, whichever node scores it. A shard's
            // only replica goes to the least loaded node whose region the coordinator knows (and never moves after), so
            // training waits until both regions have registered.
            await (await InspectionPipeline.For(nodes[0].System)).AwaitShardRegions(2, TimeSpan.FromSeconds(30));
            var trainer = await ActorRegistry.For(nodes[0].System).GetAsync<TrainingCoordinator>();
            var line = LineSettings.Default with { ImageSize = settings.ImageSize.Height, CoresetRatio = settings.CoresetRatio, Shards = 2, Replicas = 1 };
            var trained = await trainer.Ask<object>(new TrainLine("mixed", data, 2, line), TimeSpan.FromMinutes(3));
            Assert.IsType<TrainingCompleted>(trained);
            var registry = await ActorRegistry.For(nodes[1].System).GetAsync<ModelRegistry>();
            var deployment = await registry.Ask<ModelDeployment>(new GetDeployment("mixed"), TimeSpan.FromSeconds(10));
            Assert.Equal((engine.BankSize, 2, 1), ((int)deployment.BankSize, deployment.ShardCount, deployment.Replicas));
            var region = await nodes[0].ShardRegion();
            var homes = new List<string>();
            for (int s = 0; s < 2; s++) homes.Add((await region.Ask<ShardState>(new GetShardState(deployment.ShardEntity(s)), TimeSpan.FromSeconds(10))).Address);
            output.WriteLine("shards at " + string.Join(", ", homes));
            Assert.Equal(2, homes.Distinct().Count());

            var scores = new List<List<InspectionResult>>();
            foreach (var node in nodes)
            {
                var scorer = node.System.ActorOf(LineScorerActor.Props(deployment, await node.ShardRegion(), TimeSpan.FromSeconds(20)), "scorer-mixed");
                var inbox = Inbox.Create(node.System);
                var frames = images.Select((_, i) => new FrameId("mixed", "cam", i)).ToList();
                using (var patches = engine.ExtractPatches(images))
                    inbox.Send(scorer, new ScoreFrames(frames, patches.reshape(-1, patches.shape[2]).ToBlock()));
                var results = new List<InspectionResult>();
                for (int i = 0; i < frames.Count; i++) results.Add((InspectionResult)await inbox.ReceiveAsync(TimeSpan.FromSeconds(60)));
                scores.Add(results.OrderBy(r => r.Frame.Sequence).ToList());
            }
            for (int i = 0; i < images.Length; i++)
            {
                Assert.Null(scores[0][i].Error);
                Assert.Null(scores[1][i].Error);
                Assert.Equal(scores[0][i].Score, scores[1][i].Score);
                Assert.Equal(scores[0][i].AnomalyMap!.Data, scores[1][i].AnomalyMap!.Data);
                float want = expected.ImageScores[i];
                Assert.True(Math.Abs(scores[0][i].Score - want) <= 1e-4 * Math.Abs(want), $"frame {i}: cluster {scores[0][i].Score}, engine {want}");
            }

            foreach (var ((node, wire, message), bytes) in written.OrderBy(w => w.Key.Node).ThenBy(w => w.Key.Message))
                output.WriteLine($"{node} wrote {bytes} bytes of {message} in wire version {wire}");
            // Each node wrote in its own version alone, and both versions carried the shard queries between them.
            Assert.All(written.Keys.Where(k => k.Node == nodes[0].Address), k => Assert.Equal(1, k.Wire));
            Assert.All(written.Keys.Where(k => k.Node == nodes[1].Address), k => Assert.Equal(2, k.Wire));
            Assert.True(written.GetValueOrDefault((nodes[0].Address, 1, nameof(QueryNearest))) > 0, "the version 1 node sent no shard query");
            Assert.True(written.GetValueOrDefault((nodes[1].Address, 2, nameof(QueryNearest))) > 0, "the version 2 node sent no shard query");
            Assert.True(written.GetValueOrDefault((nodes[0].Address, 1, nameof(NearestAnswer))) > 0, "the version 1 node answered no query");
            Assert.True(written.GetValueOrDefault((nodes[1].Address, 2, nameof(NearestAnswer))) > 0, "the version 2 node answered no query");
        }
        finally
        {
            for (int i = nodes.Count - 1; i >= 0; i--) await nodes[i].DisposeAsync();
        }
    }
}
