using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;
using Inspection.Actors.Extraction;
using Inspection.Actors.Hosting;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Inspection.Actors.Registry;
using Inspection.Actors.Training;
using Inspection.Engine.Data;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Actors.Tests;

/// <summary>
/// Replica counts change without a retrain: a line trained on a one-node cluster has one replica; a second gpu node
/// joins and the line gets a replica there by itself (its setting is one per gpu node), the same version, loaded from
/// the shard's journal, and that node then scores the line's frames on its own replica; asked for one replica again,
/// the line goes back to one.
/// </summary>
public sealed class ReplicaGrowthTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_gpu_node_that_joins_later_gets_a_replica_of_a_line_trained_without_it()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 13, TrainGood: 12, TestGood: 4, DefectsPerType: 2, Size: 128));
        string database = folder.File("inspection.db");
        var nodes = new List<ClusterNode>();
        try
        {
            await ClusterNode.StartCluster(nodes, 1, database, ClusterNode.SmallLines);
            var pipeline = await InspectionPipeline.For(nodes[0].System);
            var trained = await pipeline.Train("growing", data, shards: 0, TimeSpan.FromMinutes(3));
            var first = await pipeline.Registry.Ask<ModelDeployment>(new GetDeployment("growing"), TimeSpan.FromSeconds(10));
            Assert.Equal((1, 1), (first.ShardCount, first.Replicas));

            var changes = Inbox.Create(nodes[0].System);
            DistributedPubSub.Get(nodes[0].System).Mediator.Tell(new Subscribe(ModelRegistryActor.Topic, changes.Receiver), changes.Receiver);
            Assert.IsType<SubscribeAck>(await changes.ReceiveAsync(TimeSpan.FromSeconds(10)));

            nodes.Add(await ClusterNode.Start(TestSupport.FreePort(), nodes[0].Port, database, ClusterNode.SmallLines));
            await ClusterNode.AllUp(nodes, TimeSpan.FromSeconds(30));
            var grown = await NextChange(changes, "growing", TimeSpan.FromSeconds(90));
            output.WriteLine($"{grown.Line} {grown.Version}: {grown.Replicas} replicas after the second node joined");
            Assert.Equal((first.Version, 2, first.BankSize), (grown.Version, grown.Replicas, grown.BankSize));
            var located = await pipeline.AwaitReplicasApart(grown, TimeSpan.FromSeconds(30));
            Assert.Equal(nodes.Select(n => n.Address).Order(), new[] { grown.ShardEntity(0, 0), grown.ShardEntity(0, 1) }.Select(e => located[e].ToString()).Order());
            var replica = await (await nodes[1].ShardRegion()).Ask<ShardState>(new GetShardState(grown.ShardEntity(0, 1)), TimeSpan.FromSeconds(10));
            Assert.Equal((first.BankSize, nodes[1].Address), (replica.Rows, replica.Address));
            await (await InspectionPipeline.For(nodes[1].System)).AwaitReplicasApart(grown, TimeSpan.FromSeconds(30));

            // The line's frames spill over to the new node, which scores them on its own replica.
            var line = pipeline.StartLine("growing", new LineOptions { RouteFill = 2 });
            var inbox = Inbox.Create(nodes[0].System);
            var files = Directory.GetFiles(Path.Combine(data, "test"), "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
            const int frames = 16;
            for (int i = 0; i < frames; i++)
                inbox.Send(line, new CapturedFrame(new FrameId("growing", "cam", i), File.ReadAllBytes(files[i % files.Count]), files[i % files.Count]));
            var results = new List<StoredResult>();
            while (results.Count < frames)
                if (await inbox.ReceiveAsync(TimeSpan.FromSeconds(60)) is StoredResult r) results.Add(r);
            Assert.All(results, r => Assert.Null(r.Error));
            Assert.All(results, r => Assert.Equal(first.Version, r.ModelVersion));
            var joined = await (await ActorRegistry.For(nodes[1].System).GetAsync<FeatureExtractor>()).Ask<ExtractorStats>(new GetExtractorStats(), TimeSpan.FromSeconds(10));
            output.WriteLine($"the joined node extracted {joined.Frames} of {frames} frames");
            Assert.True(joined.Frames > 0, "the joined node got none of the line's frames");

            // Back to one replica, on request: the same version again.
            var trainer = await ActorRegistry.For(nodes[0].System).GetAsync<TrainingCoordinator>();
            var done = Assert.IsType<TrainingCompleted>(await trainer.Ask<object>(new SetReplicas("growing", 1), TimeSpan.FromSeconds(60)));
            Assert.Equal(first.Version, done.Version);
            Assert.Equal(1, (await pipeline.Registry.Ask<ModelDeployment>(new GetDeployment("growing"), TimeSpan.FromSeconds(10))).Replicas);
            var refused = Assert.IsType<TrainingFailed>(await trainer.Ask<object>(new SetReplicas("unknown-line", 2), TimeSpan.FromSeconds(30)));
            Assert.Contains("unknown line", refused.Reason);
            Assert.IsType<TrainingFailed>(await trainer.Ask<object>(new SetReplicas("growing", 9), TimeSpan.FromSeconds(30)));
            Assert.Equal(trained.Version, done.Version);
        }
        finally
        {
            for (int i = nodes.Count - 1; i >= 0; i--) await nodes[i].DisposeAsync();
        }
    }

    private static async Task<ModelDeployment> NextChange(Inbox changes, string line, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"line {line}'s deployment did not change within {timeout.TotalSeconds:0} s");
            if (await changes.ReceiveAsync(left) is DeploymentChanged { Deployment: var d } && d.Line == line) return d;
        }
    }
}
