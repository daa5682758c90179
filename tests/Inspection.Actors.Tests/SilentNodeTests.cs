using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Cluster;
using Inspection.Actors.Diagnostics;
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
/// A gpu node holding one of two replicas of a line's bank dies mid-stream (three nodes over TCP, the node stops
/// without leaving). The line finds it silent from its own frames and makes them again on the other holder, so every
/// frame is scored, and the frames that were at the dead node have their results before the cluster's failure
/// detector has even marked it unreachable.
/// </summary>
[Collection(NodeLossCollection.Name)]
public sealed class SilentNodeTests(ITestOutputHelper output)
{
    private sealed class ReachabilityWatcher : ReceiveActor
    {
        public ReachabilityWatcher(Address watched, TaskCompletionSource<DateTimeOffset> unreachable)
        {
            Receive<ClusterEvent.UnreachableMember>(u => { if (u.Member.Address == watched) unreachable.TrySetResult(DateTimeOffset.UtcNow); });
            ReceiveAny(_ => { });
        }

        protected override void PreStart() => Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IReachabilityEvent));
    }

    [Fact]
    public async Task Frames_at_a_dead_node_are_made_again_elsewhere_before_the_failure_detector_notices()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 9, TrainGood: 12, TestGood: 4, DefectsPerType: 2, Size: 128));
        var nodes = new List<ClusterNode>();
        try
        {
            await ClusterNode.StartCluster(nodes, 3, folder.File("inspection.db"), ClusterNode.SmallLines);
            var pipeline = await InspectionPipeline.For(nodes[0].System);
            await pipeline.Train("silent", data, shards: 0, TimeSpan.FromMinutes(3));
            var deployment = await pipeline.Registry.Ask<ModelDeployment>(new GetDeployment("silent"), TimeSpan.FromSeconds(10));
            Assert.Equal((1, 2), (deployment.ShardCount, deployment.Replicas));
            var located = await pipeline.AwaitReplicasApart(deployment, TimeSpan.FromSeconds(90));
            var holders = new[] { deployment.ShardEntity(0, 0), deployment.ShardEntity(0, 1) }.Select(e => located[e].ToString()).ToList();
            // The line lives on node 0, which must survive: the node to kill holds a replica and is another one.
            var victim = nodes.Skip(1).First(n => holders.Contains(n.Address));
            output.WriteLine($"replicas at {string.Join(", ", holders)}; killing {victim.Address}");

            var unreachable = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
            nodes[0].System.ActorOf(Props.Create(() => new ReachabilityWatcher(Address.Parse(victim.Address), unreachable)), "reachability-watcher");
            long silenced = 0;
            using var listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == PipelineMetrics.MeterName && instrument.Name == PipelineMetrics.SilentNodesName) l.EnableMeasurementEvents(instrument); },
            };
            listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref silenced, value));
            listener.Start();

            // A small fill, so the line's frames go to both holders.
            var line = pipeline.StartLine("silent", new LineOptions { RouteFill = 2, FrameTimeout = TimeSpan.FromSeconds(60) });
            var inbox = Inbox.Create(nodes[0].System);
            var files = Directory.GetFiles(Path.Combine(data, "test"), "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
            var results = new Dictionary<long, StoredResult>();
            async Task Send(int from, int count)
            {
                for (int i = from; i < from + count; i++)
                    inbox.Send(line, new CapturedFrame(new FrameId("silent", "cam", i), File.ReadAllBytes(files[i % files.Count]), files[i % files.Count]));
                while (results.Count < from + count)
                    if (await inbox.ReceiveAsync(TimeSpan.FromSeconds(90)) is StoredResult r) results[r.Frame.Sequence] = r;
            }
            await Send(0, 16); // warm: both holders have answered, the line knows its usual time per frame
            // A batch in flight, then the node dies under it.
            for (int i = 16; i < 32; i++)
                inbox.Send(line, new CapturedFrame(new FrameId("silent", "cam", i), File.ReadAllBytes(files[i % files.Count]), files[i % files.Count]));
            await victim.Crash();
            nodes.Remove(victim);
            var killedAt = DateTimeOffset.UtcNow;
            while (results.Count < 32)
                if (await inbox.ReceiveAsync(TimeSpan.FromSeconds(90)) is StoredResult r) results[r.Frame.Sequence] = r;
            var detected = await unreachable.Task.WaitAsync(TimeSpan.FromSeconds(60));
            output.WriteLine($"killed at {killedAt:HH:mm:ss.fff}, found unreachable {(detected - killedAt).TotalSeconds:F1} s later; " +
                             $"last frame of the batch in flight scored {(results.Values.Where(r => r.Frame.Sequence >= 16).Max(r => r.CompletedAt) - killedAt).TotalSeconds:F1} s after the kill; " +
                             $"line passed over a silent node {silenced} time(s)");
            Assert.All(results.Values, r => Assert.Null(r.Error));
            Assert.True(silenced > 0, "the line never found the dead node silent");
            // Every frame in flight at the kill had its result before the failure detector marked the node unreachable.
            Assert.All(results.Values.Where(r => r.Frame.Sequence >= 16), r => Assert.True(r.CompletedAt < detected,
                $"frame {r.Frame.Sequence} scored {(r.CompletedAt - killedAt).TotalSeconds:F1} s after the kill, after the node was found unreachable ({(detected - killedAt).TotalSeconds:F1} s)"));
        }
        finally
        {
            for (int i = nodes.Count - 1; i >= 0; i--) await nodes[i].DisposeAsync();
        }
    }
}
