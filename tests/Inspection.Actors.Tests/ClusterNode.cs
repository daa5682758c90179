using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Inspection.Actors.Hosting;
using Inspection.Actors.Shards;

namespace Inspection.Actors.Tests;

/// <summary>One Inspection node as a real host (<see cref="InspectionNodeHost"/>): TCP on 127.0.0.1, SQLite persistence.</summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private readonly InspectionNodeHost _node;
    public int Port { get; }
    public ActorSystem System => _node.System;
    public string Address => $"akka.tcp://inspection@127.0.0.1:{Port}";

    private ClusterNode(InspectionNodeHost node, int port)
    {
        _node = node;
        Port = port;
    }

    /// <param name="hocon">Settings of the test's own (for example a smaller frame limit), over the node's.</param>
    public static async Task<ClusterNode> Start(int port, int seedPort, string database, Func<InspectionNodeOptions, InspectionNodeOptions>? configure = null,
        string hocon = "")
    {
        var options = new InspectionNodeOptions
        {
            Port = port,
            SeedNodes = [$"akka.tcp://inspection@127.0.0.1:{seedPort}"],
            Database = database,
        };
        if (configure != null) options = configure(options);
        // Terminate() must not leave the cluster gracefully, so Crash() is a crash; disposing still leaves properly.
        var node = await InspectionNodeHost.Start(options,
            "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING\nakka.coordinated-shutdown.run-by-actor-system-terminate = off\n" + hocon);
        return new ClusterNode(node, port);
    }

    /// <summary>Settings for the small synthetic lines cluster tests train: 128 px, seed 1, batches of 4 within 50 ms.</summary>
    public static InspectionNodeOptions SmallLines(InspectionNodeOptions o) => o with
    {
        Training = new Engine.PatchCore.PatchCoreSettings { ImageSize = 128, Seed = 1 }, BatchSize = 4, BatchDeadline = TimeSpan.FromMilliseconds(50),
    };

    /// <summary>
    /// Starts <paramref name="count"/> nodes on one database into <paramref name="nodes"/> (the first is the seed; a
    /// test disposes them whatever happens) and waits until every one sees all of them up.
    /// </summary>
    public static async Task StartCluster(List<ClusterNode> nodes, int count, string database, Func<InspectionNodeOptions, InspectionNodeOptions>? configure = null,
        string hocon = "")
    {
        int seedPort = TestSupport.FreePort();
        for (int i = 0; i < count; i++) nodes.Add(await Start(i == 0 ? seedPort : TestSupport.FreePort(), seedPort, database, configure, hocon));
        await AllUp(nodes, TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits until every node sees all of <paramref name="nodes"/> up, and fails the test if they do not in time.</summary>
    public static async Task AllUp(IReadOnlyList<ClusterNode> nodes, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (nodes.Any(n => n.UpMembers < nodes.Count) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Xunit.Assert.All(nodes, n => Xunit.Assert.Equal(nodes.Count, n.UpMembers));
    }

    public Task<IActorRef> ShardRegion() => ActorRegistry.For(System).GetAsync<MemoryBankShardRegion>();

    public int UpMembers => Cluster.Get(System).State.Members.Count(m => m.Status == MemberStatus.Up);

    /// <summary>Kills the node without leaving the cluster: the others must notice, down it and move its shards.</summary>
    public Task Crash() => System.Terminate();

    public ValueTask DisposeAsync() => _node.DisposeAsync();
}
