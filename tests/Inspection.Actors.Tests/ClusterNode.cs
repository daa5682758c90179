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

    public static async Task<ClusterNode> Start(int port, int seedPort, string database, Func<InspectionNodeOptions, InspectionNodeOptions>? configure = null)
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
            "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING\nakka.coordinated-shutdown.run-by-actor-system-terminate = off");
        return new ClusterNode(node, port);
    }

    public Task<IActorRef> ShardRegion() => ActorRegistry.For(System).GetAsync<MemoryBankShardRegion>();

    public int UpMembers => Cluster.Get(System).State.Members.Count(m => m.Status == MemberStatus.Up);

    /// <summary>Kills the node without leaving the cluster: the others must notice, down it and move its shards.</summary>
    public Task Crash() => System.Terminate();

    public ValueTask DisposeAsync() => _node.DisposeAsync();
}
