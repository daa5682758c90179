using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Extraction;
using Inspection.Actors.Hosting;
using Inspection.Actors.Messages;
using Inspection.Actors.Shards;
using Inspection.Engine.Data;
using Inspection.Actors.Scoring;
using Inspection.Engine.Evaluation;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Inspection.Actors.Tests;

/// <summary>
/// Three nodes joined over TCP on 127.0.0.1, sharing one SQLite database: a line trained on real tire images is
/// sharded over them, and the distributed scores must equal the single-process engine's.
/// </summary>
[Collection(NodeLossCollection.Name)]
public class ThreeNodeClusterTests(ITestOutputHelper output)
{
    private static async Task<List<InspectionResult>> Inspect(ActorSystem system, IActorRef scorer, PatchCoreModel engine,
        IReadOnlyList<PreparedImage> images, string camera, long firstSequence, TimeSpan wait)
    {
        var inbox = Inbox.Create(system);
        var frames = images.Select((_, i) => new FrameId("tire", camera, firstSequence + i)).ToList();
        using (var patches = engine.ExtractPatches(images))
            inbox.Send(scorer, new ScoreFrames(frames, patches.reshape(-1, patches.shape[2]).ToBlock()));
        var results = new List<InspectionResult>();
        for (int i = 0; i < frames.Count; i++) results.Add((InspectionResult)await inbox.ReceiveAsync(wait));
        return results;
    }

    private static void LinkTireSubset(string tire, string target)
    {
        void Link(string relative, int every, int take, bool masks = false)
        {
            Directory.CreateDirectory(Path.Combine(target, relative));
            foreach (var file in Directory.GetFiles(Path.Combine(tire, relative), "*.png").Order(StringComparer.Ordinal).Where((_, i) => i % every == 0).Take(take))
            {
                File.CreateSymbolicLink(Path.Combine(target, relative, Path.GetFileName(file)), file);
                if (!masks) continue;
                string type = Path.GetFileName(relative), mask = Path.GetFileNameWithoutExtension(file) + "_mask.png";
                Directory.CreateDirectory(Path.Combine(target, "ground_truth", type));
                File.CreateSymbolicLink(Path.Combine(target, "ground_truth", type, mask), Path.Combine(tire, "ground_truth", type, mask));
            }
        }
        Link("train/good", every: 8, take: 27);
        Link("validation/good", every: 1, take: 4);
        Link("test/good", every: 1, take: 4);
        Link("test/hole", every: 1, take: 4, masks: true);
        Link("test/cut", every: 1, take: 4, masks: true);
    }

    [SkippableFact]
    public async Task Sharded_line_scores_like_the_engine_on_three_nodes()
    {
        string tire = TestSupport.Dataset("tire");
        using var folder = new TempFolder();
        string database = folder.File("inspection.db");

        // A small MVTec-layout view of the real tire data (symbolic links) to train on.
        string data = folder.File("tire");
        LinkTireSubset(tire, data);
        var settings = new PatchCoreSettings { Seed = 3 };
        var category = MvtecCategory.Open(data);
        var split = TrainingSplit.Of(category, settings);
        // The reference: the same training in this process.
        using var engine = new PatchCoreTrainer(settings, CPU).Train(split);
        var testFiles = category.Test.Select(t => t.Path).ToList();
        var images = PreparedImage.FromFiles(testFiles, engine.Metadata.ImageSize);
        var expected = engine.Inspect(images);

        int seedPort = TestSupport.FreePort();
        InspectionNodeOptions Configure(InspectionNodeOptions o) => o with { Training = settings };
        var nodes = new List<ClusterNode> { await ClusterNode.Start(seedPort, seedPort, database, Configure) };
        try
        {
            nodes.Add(await ClusterNode.Start(TestSupport.FreePort(), seedPort, database, Configure));
            nodes.Add(await ClusterNode.Start(TestSupport.FreePort(), seedPort, database, Configure));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (nodes.Any(n => n.UpMembers < 3) && DateTime.UtcNow < deadline) await Task.Delay(200);
            Assert.All(nodes, n => Assert.Equal(3, n.UpMembers));

            // Train through the cluster: features on every gpu node, 3 shards, then the registry switches the line.
            var pipeline = await InspectionPipeline.For(nodes[0].System);
            var trained = await pipeline.Train("tire", data, shards: 3, TimeSpan.FromMinutes(5));
            Assert.Equal((engine.BankSize, 3), ((int)trained.BankSize, trained.Shards));
            var served = new List<ExtractorStats>();
            foreach (var node in nodes)
                served.Add(await (await ActorRegistry.For(node.System).GetAsync<TrainingExtractor>()).Ask<ExtractorStats>(new GetExtractorStats(), TimeSpan.FromSeconds(10)));
            output.WriteLine("training batches: " + string.Join(", ", served.Select(s => $"{s.TrainingBatches} on {s.Address}")));
            Assert.True(served.Count(s => s.TrainingBatches > 0) >= 2, "training features must be computed on more than one gpu node");
            var deployment = await pipeline.Registry.Ask<ModelDeployment>(new GetDeployment("tire"), TimeSpan.FromSeconds(10));

            // Three gpu nodes: two replicas of each shard (the default, at most 2), on distinct nodes.
            Assert.Equal(2, deployment.Replicas);
            var region = await nodes[0].ShardRegion();
            var states = new List<ShardState>();
            for (int s = 0; s < 3; s++) states.Add(await region.Ask<ShardState>(new GetShardState(deployment.ShardEntity(s)), TimeSpan.FromSeconds(10)));
            var replicas = new List<ShardState>();
            for (int s = 0; s < 3; s++) replicas.Add(await region.Ask<ShardState>(new GetShardState(deployment.ShardEntity(s, 1)), TimeSpan.FromSeconds(10)));
            output.WriteLine(string.Join("\n", states.Concat(replicas).Select(s => $"{s.EntityId}: {s.Rows} rows at {s.Address}")));
            Assert.Equal(engine.BankSize, states.Sum(s => s.Rows));
            Assert.Equal(states.Select(s => s.Rows), replicas.Select(s => s.Rows));
            Assert.True(states.Select(s => s.Address).Distinct().Count() >= 2, "shards must be spread over the nodes");
            Assert.All(Enumerable.Range(0, 3), s => Assert.NotEqual(states[s].Address, replicas[s].Address));

            var scorer = nodes[1].System.ActorOf(LineScorerActor.Props(deployment, await nodes[1].ShardRegion(), TimeSpan.FromSeconds(10)), "scorer-tire");
            // 50 frames: the 12 test images over and over, in batches of 5.
            const int frameCount = 50;
            var results = new List<InspectionResult>();
            for (int start = 0; start < frameCount; start += 5)
            {
                var batch = Enumerable.Range(start, 5).Select(i => images[i % images.Length]).ToList();
                results.AddRange(await Inspect(nodes[1].System, scorer, engine, batch, "cam-1", start, TimeSpan.FromSeconds(30)));
            }
            Assert.Equal(frameCount, results.Count);
            Assert.Equal(Enumerable.Range(0, frameCount).Select(i => (long)i), results.Select(r => r.Frame.Sequence).Order());
            foreach (var r in results)
            {
                Assert.Null(r.Error);
                float want = expected.ImageScores[r.Frame.Sequence % images.Length];
                Assert.True(Math.Abs(r.Score - want) <= 1e-4 * Math.Abs(want), $"frame {r.Frame.Sequence}: distributed {r.Score}, engine {want}");
                var map = r.AnomalyMap!.ToFloats();
                var wantMap = expected.AnomalyMaps[r.Frame.Sequence % images.Length];
                double maxRelative = map.Zip(wantMap, (a, b) => Math.Abs(a - b) / Math.Max(1e-6, Math.Abs(b))).Max();
                // Maps travel in half precision (relative rounding at most 2^-11, about 4.9e-4).
                Assert.True(maxRelative <= 1e-3, $"frame {r.Frame.Sequence}: map differs by {maxRelative:E2} relative");
            }
            output.WriteLine($"{results.Count} frames scored through 3 shards on {states.Select(s => s.Address).Distinct().Count()} nodes; " +
                             $"max relative score difference {results.Max(r => Math.Abs(r.Score - expected.ImageScores[r.Frame.Sequence % images.Length]) / expected.ImageScores[r.Frame.Sequence % images.Length]):E2}");

            // A node dies without leaving. Frames keep coming; each gets exactly one result: the other replica of each
            // of its shards answers, so none fails, while its replicas move to the survivors and recover from the database.
            var crashed = nodes[2];
            string crashedAddress = crashed.Address;
            await crashed.Crash();
            nodes.Remove(crashed);
            // As nodes run it: a round may time out (3 s) while the survivors are busy taking over, and the batch then
            // asks again within its retry budget (24 s here, within the 30 s each batch is waited for) instead of failing.
            // On 2 cores with other test classes running beside it, the survivor reading the lost replicas from the
            // journal has kept a shard from answering for more than 12 s (CI, 2026-12-06: 2 of 6 frames failed).
            var failover = nodes[1].System.ActorOf(LineScorerActor.Props(deployment, await nodes[1].ShardRegion(), TimeSpan.FromSeconds(3),
                retryBudget: TimeSpan.FromSeconds(24)), "scorer-failover");
            var during = new List<InspectionResult>();
            long sent = 0;
            int healthyBatches = 0;
            var giveUp = DateTime.UtcNow.AddSeconds(90);
            // Frames are sent through the whole window, until the survivors have removed the crashed node.
            bool Removed() => nodes.All(n => Akka.Cluster.Cluster.Get(n.System).State.Members.All(m => m.Address.ToString() != crashedAddress));
            while ((healthyBatches < 2 || !Removed()) && DateTime.UtcNow < giveUp)
            {
                var batch = images.Skip((int)(sent % images.Length)).Take(2).ToList();
                var answered = await Inspect(nodes[1].System, failover, engine, batch, "cam-2", sent, TimeSpan.FromSeconds(30));
                sent += batch.Count;
                during.AddRange(answered);
                healthyBatches = answered.All(r => r.Error == null) ? healthyBatches + 1 : 0;
                if (healthyBatches == 0) await Task.Delay(500);
            }
            int failed = during.Count(r => r.Failed), scored = during.Count - failed;
            output.WriteLine($"after the crash of {crashedAddress}: {sent} frames sent, {during.Count} results: {scored} scored, {failed} failed explicitly");
            foreach (var r in during.Where(r => r.Failed)) output.WriteLine($"  frame {r.Frame.Sequence} failed: {r.Error}");
            Assert.Equal(sent, during.Count);
            Assert.Equal(sent, during.Select(r => r.Frame.Sequence).Distinct().Count());
            Assert.All(during.Where(r => r.Failed), r => Assert.False(string.IsNullOrWhiteSpace(r.Error)));
            Assert.True(healthyBatches >= 2, $"{healthyBatches} healthy batches at the end");
            Assert.Equal(0, failed);
            foreach (var r in during.Where(r => !r.Failed))
            {
                float want = expected.ImageScores[r.Frame.Sequence % images.Length];
                Assert.True(Math.Abs(r.Score - want) <= 1e-4 * Math.Abs(want), $"after failover frame {r.Frame.Sequence}: {r.Score} vs {want}");
            }
            Assert.True(Removed(), "the crashed node was not removed");
            // Every replica answers again, from a survivor.
            var moved = new List<ShardState>();
            var survivorRegion = await nodes[0].ShardRegion();
            // Sharding delivers at most once: a query sent while a replica's shard is handed to its new node can be lost
            // (CI saw one never answered), so it is asked again, as the scorer asks again, within 90 s.
            async Task<ShardState> StateOf(string entity)
            {
                var until = DateTime.UtcNow.AddSeconds(90);
                while (true)
                {
                    try { return await survivorRegion.Ask<ShardState>(new GetShardState(entity), TimeSpan.FromSeconds(10)); }
                    catch (AskTimeoutException) when (DateTime.UtcNow < until) { output.WriteLine($"{entity}: no answer within 10 s; asking again"); }
                }
            }
            foreach (var (s, r) in Enumerable.Range(0, 3).SelectMany(s => new[] { (s, 0), (s, 1) }))
                moved.Add(await StateOf(deployment.ShardEntity(s, r)));
            output.WriteLine(string.Join("\n", moved.Select(s => $"{s.EntityId}: {s.Rows} rows at {s.Address}")));
            Assert.DoesNotContain(moved, s => s.Address == crashedAddress);
            Assert.Equal(2 * engine.BankSize, moved.Sum(s => s.Rows));
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }
}
