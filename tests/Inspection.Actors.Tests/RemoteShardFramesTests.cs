using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Extraction;
using Inspection.Actors.Hosting;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
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
/// A bank split into two shards of one replica each, one per node (two gpu nodes over TCP on 127.0.0.1): a frame's
/// scorer sends the remote shard the encoded frame, which that node extracts and asks of its replica, so no patch
/// features cross between the nodes and the scores still equal the engine's. A node that cannot extract (it serves
/// another version of the line) answers so, and the scorer sends that shard the features instead.
/// </summary>
public sealed class RemoteShardFramesTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_remote_shard_gets_the_encoded_frames_and_scores_equal_the_engines()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 11, TrainGood: 12, TestGood: 4, DefectsPerType: 2, Size: 128));
        var settings = new PatchCoreSettings { ImageSize = 128, CoresetRatio = 0.1, Seed = 1 };
        var category = MvtecCategory.Open(data);
        using var engine = new PatchCoreTrainer(settings, CPU).Train(TrainingSplit.Of(category, settings));
        var files = category.Test.Select(t => t.Path).ToList();
        var images = PreparedImage.FromFiles(files, settings.ImageSize);
        var expected = engine.Inspect(images);
        var want = files.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => expected.ImageScores[x.i]);

        var nodes = new List<ClusterNode>();
        try
        {
            await ClusterNode.StartCluster(nodes, 2, folder.File("inspection.db"), o => o with { Training = settings, BatchSize = 4 });
            var bytes = SerializedBytes.Count(nodes.Select(n => n.Address).ToHashSet(), out var listener);
            using var _ = listener;

            // Both regions registered first: a shard's only replica goes to the least loaded region the coordinator knows.
            await (await InspectionPipeline.For(nodes[0].System)).AwaitShardRegions(2, TimeSpan.FromSeconds(30));
            var trainer = await ActorRegistry.For(nodes[0].System).GetAsync<TrainingCoordinator>();
            var settingsOfLine = LineSettings.Default with { ImageSize = settings.ImageSize.Height, CoresetRatio = settings.CoresetRatio, Shards = 2, Replicas = 1 };
            Assert.IsType<TrainingCompleted>(await trainer.Ask<object>(new TrainLine("split", data, 2, settingsOfLine), TimeSpan.FromMinutes(3)));
            var pipeline = await InspectionPipeline.For(nodes[0].System);
            var deployment = await pipeline.Registry.Ask<ModelDeployment>(new GetDeployment("split"), TimeSpan.FromSeconds(10));
            Assert.Equal((engine.BankSize, 2, 1), ((int)deployment.BankSize, deployment.ShardCount, deployment.Replicas));
            var region = await nodes[0].ShardRegion();
            var homes = new List<string>();
            for (int s = 0; s < 2; s++) homes.Add((await region.Ask<ShardState>(new GetShardState(deployment.ShardEntity(s)), TimeSpan.FromSeconds(10))).Address);
            Assert.Equal(2, homes.Distinct().Count());
            // Both nodes' directories know both homes, so either node's scorer knows which shard is remote from its first
            // batch (before that, a batch goes as features: this test is of the steady state).
            foreach (var node in nodes) await (await InspectionPipeline.For(node.System)).AwaitReplicasApart(deployment, TimeSpan.FromSeconds(30));
            bytes.Clear(); // training's traffic is not the subject

            var line = pipeline.StartLine("split", new LineOptions());
            var inbox = Inbox.Create(nodes[0].System);
            const int frames = 16;
            for (int i = 0; i < frames; i++)
                inbox.Send(line, new CapturedFrame(new FrameId("split", "cam", i), File.ReadAllBytes(files[i % files.Count]), files[i % files.Count]));
            var results = new List<StoredResult>();
            while (results.Count < frames)
                if (await inbox.ReceiveAsync(TimeSpan.FromSeconds(60)) is StoredResult r) results.Add(r);
            foreach (var r in results)
            {
                Assert.Null(r.Error);
                Assert.True(Math.Abs(r.Score - want[r.Source]) <= 1e-4 * Math.Abs(want[r.Source]), $"{r.Source}: cluster {r.Score}, engine {want[r.Source]}");
            }
            output.WriteLine("bytes between the nodes: " + string.Join(", ", bytes.OrderBy(b => b.Key).Select(b => $"{b.Key} {b.Value}")));
            Assert.True(bytes.GetValueOrDefault(nameof(QueryNearestOfFrames)) > 0, "no frames went to the remote shard's node");
            Assert.Equal(0, bytes.GetValueOrDefault(nameof(QueryNearest)));
            Assert.Equal(0, bytes.GetValueOrDefault(nameof(ScoreFrames)));
            // Everything that crossed (frames, answers, m* rows, support, results), per frame and remote shard: under 0.2 MB.
            double perFrame = bytes.Where(b => b.Key is not (nameof(StoredResult) or "LineCounters")).Sum(b => b.Value) / (double)frames;
            output.WriteLine($"{perFrame / 1e6:F3} MB per frame crossed");
            Assert.True(perFrame < 0.2e6, $"{perFrame} bytes per frame crossed");

            // The line moves to v2 (the same bank again); a scorer still on v1 sends frames to the node of v1's remote
            // shard, whose extractor now serves v2: it says so, and the scorer sends that shard the features.
            var v2 = await ModelPublisher.Publish(region, engine, "split", "v2", 2, TimeSpan.FromMinutes(1));
            await pipeline.Registry.Ask<ModelActivated>(new ActivateModel(v2), TimeSpan.FromSeconds(10));
            foreach (var node in nodes) (await ActorRegistry.For(node.System).GetAsync<FeatureExtractor>()).Tell(v2); // no wait for pub-sub
            var located = await pipeline.AwaitReplicasApart(deployment, TimeSpan.FromSeconds(30));
            var extractor = await ActorRegistry.For(nodes[0].System).GetAsync<FeatureExtractor>();
            var scorer = nodes[0].System.ActorOf(LineScorerActor.Props(deployment, region, TimeSpan.FromSeconds(20), located: located, framesTo: extractor.Path.Name), "scorer-split-v1");
            bytes.Clear();
            var ids = files.Take(4).Select((_, i) => new FrameId("split", "cam", 100 + i)).ToList();
            var captured = files.Take(4).Select((f, i) => new CapturedFrame(ids[i], File.ReadAllBytes(f), f)).ToList();
            using (var patches = engine.ExtractPatches(images.Take(4).ToList()))
                inbox.Send(scorer, new ScoreFrames(ids, patches.reshape(-1, patches.shape[2]).ToBlock(), captured));
            for (int i = 0; i < ids.Count; i++)
            {
                var r = (InspectionResult)await inbox.ReceiveAsync(TimeSpan.FromSeconds(60));
                Assert.Null(r.Error);
                float score = expected.ImageScores[(int)r.Frame.Sequence - 100];
                Assert.True(Math.Abs(r.Score - score) <= 1e-4 * Math.Abs(score), $"frame {r.Frame.Sequence}: cluster {r.Score}, engine {score}");
            }
            output.WriteLine("bytes between the nodes, v1 scorer: " + string.Join(", ", bytes.OrderBy(b => b.Key).Select(b => $"{b.Key} {b.Value}")));
            Assert.True(bytes.GetValueOrDefault(nameof(FramesNotExtracted)) > 0, "the remote node did not say it could not extract");
            Assert.True(bytes.GetValueOrDefault(nameof(QueryNearest)) > 0, "the features did not go to the remote shard after all");
        }
        finally
        {
            for (int i = nodes.Count - 1; i >= 0; i--) await nodes[i].DisposeAsync();
        }
    }
}
