using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Extraction;
using Inspection.Actors.Hosting;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Inspection.Actors.Shards;
using Inspection.Engine.Data;
using Inspection.Engine.PatchCore;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Actors.Tests;

/// <summary>
/// Two gpu nodes over TCP on 127.0.0.1: a line trained with the defaults gets one shard with a replica on each node,
/// and its frames, spread over both nodes, are scored where they were extracted: not one byte of patch features
/// crosses between the nodes (the serializer's counter, for these two nodes only).
/// </summary>
public sealed class TwoNodeRoutingTests(ITestOutputHelper output)
{
    private static readonly HashSet<string> FeatureMessages = [nameof(QueryNearest), nameof(QuerySupport), nameof(QueryRows), nameof(ScoreFrames)];

    [Fact]
    public async Task A_lines_frames_are_scored_on_nodes_holding_its_bank_and_no_patch_features_cross_nodes()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 7, TrainGood: 12, TestGood: 4, DefectsPerType: 2, Size: 128));
        var nodes = new List<ClusterNode>();
        try
        {
            await ClusterNode.StartCluster(nodes, 2, folder.File("inspection.db"), ClusterNode.SmallLines);

            var pipeline = await InspectionPipeline.For(nodes[0].System);
            var trained = await pipeline.Train("routed", data, shards: 0, TimeSpan.FromMinutes(3));
            var deployment = await pipeline.Registry.Ask<ModelDeployment>(new GetDeployment("routed"), TimeSpan.FromSeconds(10));
            // The defaults: one shard (the bank fits the shard budget), a replica on each of the two gpu nodes.
            Assert.Equal((1, 2), (trained.Shards, deployment.Replicas));

            // Both nodes' directories learn where the two replicas are (one on each node), as the line and the scorers
            // ask them. Before that a scorer's first query may go to either replica: this test is of the steady state.
            foreach (var node in nodes)
            {
                var watcher = Inbox.Create(node.System);
                watcher.Send(await ActorRegistry.For(node.System).GetAsync<ReplicaDirectory>(), ReplicaDirectoryActor.Subscribe.Instance);
                ReplicaDirectoryActor.Locations located;
                do located = (ReplicaDirectoryActor.Locations)await watcher.ReceiveAsync(TimeSpan.FromSeconds(30));
                while (!(located.Entities.TryGetValue(deployment.ShardEntity(0, 0), out var r0) && located.Entities.TryGetValue(deployment.ShardEntity(0, 1), out var r1) && r0 != r1));
            }
            var inbox = Inbox.Create(nodes[0].System);

            var addresses = nodes.Select(n => n.Address).ToHashSet();
            var bytes = SerializedBytes.Count(addresses, out var listener);
            using var _ = listener;

            // A small fill, so the line's frames spill over to the second node holding the bank.
            var line = pipeline.StartLine("routed", new LineOptions { RouteFill = 4 });
            var files = Directory.GetFiles(Path.Combine(data, "test"), "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
            const int frames = 24;
            for (int i = 0; i < frames; i++)
                inbox.Send(line, new CapturedFrame(new FrameId("routed", "cam", i), File.ReadAllBytes(files[i % files.Count]), files[i % files.Count]));
            var results = new List<StoredResult>();
            while (results.Count < frames)
                if (await inbox.ReceiveAsync(TimeSpan.FromSeconds(60)) is StoredResult r) results.Add(r);
            Assert.All(results, r => Assert.Null(r.Error));
            Assert.Equal(frames, results.Select(r => r.Frame.Sequence).Distinct().Count());

            var stats = new List<ExtractorStats>();
            foreach (var node in nodes)
                stats.Add(await (await ActorRegistry.For(node.System).GetAsync<FeatureExtractor>()).Ask<ExtractorStats>(new GetExtractorStats(), TimeSpan.FromSeconds(10)));
            output.WriteLine("frames extracted: " + string.Join(", ", stats.Select(s => $"{s.Frames} on {s.Address}")));
            output.WriteLine("bytes serialised by these nodes: " + string.Join(", ", bytes.OrderBy(b => b.Key).Select(b => $"{b.Key} {b.Value}")));
            Assert.Equal(frames, stats.Sum(s => s.Frames));
            Assert.All(stats, s => Assert.True(s.Frames > 0, $"{s.Address} extracted no frame: the line did not spread its frames"));
            // Frames did cross (to the second node's extractor, results back), so the counter was live...
            Assert.True(bytes.GetValueOrDefault(nameof(ExtractFrames)) > 0, "no frame crossed to the other node");
            // ...but no patch features did.
            Assert.All(FeatureMessages, m => Assert.Equal(0, bytes.GetValueOrDefault(m)));
        }
        finally
        {
            for (int i = nodes.Count - 1; i >= 0; i--) await nodes[i].DisposeAsync();
        }
    }
}
