using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Results;
using Inspection.Engine.Data;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// Ingest nodes share one result store, so retention runs once in the cluster: one sweeper (a singleton on the oldest
/// ingest node) whichever node is asked, and it starts again on another ingest node when its node leaves. Two real
/// nodes over TCP on 127.0.0.1, one SQLite file.
/// </summary>
public sealed class RetentionSingletonTests
{
    /// <summary>The nodes among <paramref name="nodes"/> where the sweeper itself runs (the singleton manager's child of its name).</summary>
    private static async Task<List<ClusterNode>> Sweeping(IEnumerable<ClusterNode> nodes)
    {
        var found = new List<ClusterNode>();
        foreach (var node in nodes)
        {
            var identity = await node.System.ActorSelection("/user/retention/retention").Ask<ActorIdentity>(new Identify(1), TimeSpan.FromSeconds(3));
            if (identity.Subject != null) found.Add(node);
        }
        return found;
    }

    /// <summary>Waits (asking every 100 ms) until exactly one of <paramref name="nodes"/> runs the sweeper, and returns it.</summary>
    private static async Task<ClusterNode> TheSweeper(IReadOnlyList<ClusterNode> nodes, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var sweeping = await Sweeping(nodes);
            if (sweeping.Count == 1) return sweeping[0];
            Assert.True(sweeping.Count == 0 && DateTime.UtcNow < deadline, $"{sweeping.Count} of {nodes.Count} nodes run retention");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Two_ingest_nodes_on_one_database_run_one_sweeper_which_moves_when_its_node_leaves()
    {
        using var folder = new TempFolder();
        var nodes = new List<ClusterNode>();
        try
        {
            await ClusterNode.StartCluster(nodes, 2, folder.File("inspection.db"), o => o with { RetentionInterval = TimeSpan.FromSeconds(1) });
            var sweeper = await TheSweeper(nodes, TimeSpan.FromSeconds(30));
            Assert.Same(nodes[0], sweeper); // the oldest
            // Either node's proxy reaches it.
            foreach (var node in nodes)
            {
                var keeper = await ActorRegistry.For(node.System).GetAsync<RetentionKeeper>();
                var storage = await keeper.Ask<RetentionActor.LineStorage>(new RetentionActor.GetLineStorage("none"), TimeSpan.FromSeconds(10));
                Assert.Equal("none", storage.Line);
            }

            await nodes[0].DisposeAsync(); // leaves the cluster gracefully
            var left = nodes[1];
            nodes.RemoveAt(0);
            Assert.Same(left, await TheSweeper([left], TimeSpan.FromSeconds(60)));
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }
}
