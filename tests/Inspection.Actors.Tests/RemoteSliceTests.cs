using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Extraction;
using Inspection.Actors.Hosting;
using Inspection.Actors.Messages;
using Inspection.Actors.Training;
using Inspection.Engine.Data;
using Inspection.Engine.PatchCore;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Actors.Tests;

/// <summary>
/// A bank slice larger than one remote message: two nodes over TCP whose frame limit (4 MiB here, 32 MiB in
/// hocon/base.conf) is below the slice's size, the line's one shard on one node and the job on the other. Adding good
/// images reads the whole slice across; it must arrive in chunks, not as one message the transport drops.
/// </summary>
public sealed class RemoteSliceTests(ITestOutputHelper output)
{
    private const string FrameLimit = "akka.remote.dot-netty.tcp.maximum-frame-size = 4 MiB";

    [Fact]
    public async Task Good_images_are_added_on_the_node_without_the_slice_when_the_slice_exceeds_the_frame_limit()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 5, TrainGood: 24, TestGood: 2, DefectsPerType: 1, Size: 128));
        // Every patch kept: 22 training images (two held back) of 16 x 16 patches x 384 floats is a 8.6 MB slice.
        var settings = new PatchCoreSettings { ImageSize = 128, CoresetRatio = 1.0, Seed = 1 };
        var nodes = new List<ClusterNode>();
        try
        {
            await ClusterNode.StartCluster(nodes, 2, folder.File("inspection.db"), o => o with { Training = settings, BatchSize = 4 }, FrameLimit);
            var pipeline = await InspectionPipeline.For(nodes[0].System);
            await pipeline.AwaitShardRegions(2, TimeSpan.FromSeconds(30));
            var lineSettings = LineSettings.Default with { ImageSize = 128, CoresetRatio = 1.0, Shards = 1, Replicas = 1 };
            var trainer0 = await ActorRegistry.For(nodes[0].System).GetAsync<TrainingCoordinator>();
            Assert.IsType<TrainingCompleted>(await trainer0.Ask<object>(new TrainLine("wide", data, 1, lineSettings), TimeSpan.FromMinutes(3)));
            var before = await pipeline.Registry.Ask<ModelDeployment>(new GetDeployment("wide"), TimeSpan.FromSeconds(10));
            long sliceBytes = before.BankSize * before.Dimensions * sizeof(float);
            output.WriteLine($"slice: {before.BankSize} x {before.Dimensions} ({sliceBytes / 1e6:F1} MB)");
            Assert.True(sliceBytes > 4 << 20, $"the slice ({sliceBytes} bytes) must exceed the frame limit for this test to mean anything");

            var home = (await (await nodes[0].ShardRegion()).Ask<ShardState>(new GetShardState(before.ShardEntity(0)), TimeSpan.FromSeconds(10))).Address;
            var away = nodes.Single(n => n.Address != home);
            output.WriteLine($"slice on {home}, job on {away.Address}");

            // The slice read from the node without it, in chunks, equals the slice read on its own node (no transport there).
            var homeNode = nodes.Single(n => n.Address == home);
            var local = await BankReader.Read(await homeNode.ShardRegion(), before, CancellationToken.None);
            var remote = await BankReader.Read(await away.ShardRegion(), before, CancellationToken.None);
            Assert.Equal(before.BankSize * before.Dimensions, remote.Length);
            Assert.True(local.AsSpan().SequenceEqual(remote), "the slice read across differs from the slice on its node");

            var trainer = await ActorRegistry.For(away.System).GetAsync<TrainingCoordinator>();
            var added = Directory.GetFiles(Path.Combine(data, "test", "good"), "*.png").Order(StringComparer.Ordinal).ToList();
            var reply = await trainer.Ask<object>(new AddGoodImages("wide", added), TimeSpan.FromMinutes(3));
            var completed = Assert.IsType<TrainingCompleted>(reply is TrainingFailed f ? throw new Xunit.Sdk.XunitException($"adding images failed: {f.Reason}") : reply);
            // Every patch of the new images joins the bank (ratio 1) after the old bank, unchanged.
            Assert.Equal(before.BankSize + added.Count * before.Grid().Area, completed.BankSize);
            var after = await pipeline.Registry.Ask<ModelDeployment>(new GetDeployment("wide"), TimeSpan.FromSeconds(10));
            Assert.Equal((completed.Version, completed.BankSize), (after.Version, after.BankSize));
            var extended = await BankReader.Read(await away.ShardRegion(), after, CancellationToken.None);
            Assert.True(extended.AsSpan(0, remote.Length).SequenceEqual(remote), "the extended bank does not start with the old bank");
        }
        finally
        {
            for (int i = nodes.Count - 1; i >= 0; i--) await nodes[i].DisposeAsync();
        }
    }
}
