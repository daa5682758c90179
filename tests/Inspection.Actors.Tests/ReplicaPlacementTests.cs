using Inspection.Actors.Messages;
using Inspection.Actors.Shards;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>Where shard replicas go and when they move, over plain node names (no cluster).</summary>
public sealed class ReplicaPlacementTests
{
    private static Dictionary<string, IReadOnlyList<string>> Nodes(params (string Node, string[] Shards)[] nodes) =>
        nodes.ToDictionary(n => n.Node, n => (IReadOnlyList<string>)n.Shards.ToList());

    [Fact]
    public void Shard_keys_format_and_parse_with_their_replica_and_old_keys_read_as_replica_0()
    {
        var key = new ShardKey("press", "v3", 2, 1);
        Assert.Equal("press/v3/2/1", key.ToString());
        Assert.Equal(key, ShardKey.Parse("press/v3/2/1"));
        Assert.Equal(new ShardKey("press", "v3", 2, 0), ShardKey.Parse("press/v3/2"));
        Assert.Equal("bank-shard/press/v3/2", key.PersistenceId); // shared by the replicas, as before replicas
        Assert.Equal(ShardKey.Parse("press/v3/2/0").PersistenceId, key.PersistenceId);
        foreach (var bad in new[] { "press", "press/v3", "press/v3/x/0", "press/v3/1/-1", "/v3/1/0", "a/b/1/2/3" })
            Assert.False(ShardKey.TryParse(bad, out _), bad);
        Assert.Throws<ArgumentException>(() => ShardKey.Of("a/b", "v1", 0));
    }

    [Fact]
    public void Replicas_of_a_shard_go_to_distinct_nodes_the_least_loaded_first()
    {
        var current = Nodes(("a", ["l/v1/0/0", "m/v1/0/0"]), ("b", []), ("c", ["m/v1/0/1"]));
        // Replica 1 of l/v1/0 cannot go to a (replica 0 is there): b holds least.
        Assert.Equal("b", ReplicaPlacement.Allocate("l/v1/0/1", current));
        // Replica 0 of another shard goes to the least loaded node, b.
        Assert.Equal("b", ReplicaPlacement.Allocate("l/v1/1/0", current));
        // With every node holding a replica, the least loaded takes one more.
        var full = Nodes(("a", ["l/v1/0/0"]), ("b", ["l/v1/0/1", "x/v1/0/0"]));
        Assert.Equal("a", ReplicaPlacement.Allocate("l/v1/0/2", full));
    }

    [Fact]
    public void A_replica_sharing_a_node_with_its_sibling_moves_once_a_node_is_free_of_them()
    {
        // After a node loss both replicas ended on a; b joined since.
        var current = Nodes(("a", ["l/v1/0/0", "l/v1/0/1"]), ("b", []));
        Assert.Equal("l/v1/0/1", ReplicaPlacement.Rebalance(current, new HashSet<string>()));
        Assert.Null(ReplicaPlacement.Rebalance(current, new HashSet<string> { "l/v1/0/1" })); // one move at a time
        // Then placed apart, on b.
        var moving = Nodes(("a", ["l/v1/0/0"]), ("b", []));
        Assert.Equal("b", ReplicaPlacement.Allocate("l/v1/0/1", moving));
    }

    [Fact]
    public void A_node_that_joins_gets_a_share_and_balanced_nodes_stay_as_they_are()
    {
        var joined = Nodes(("a", ["l/v1/0/0", "l/v1/1/0", "l/v1/2/0"]), ("b", ["l/v1/0/1", "l/v1/1/1", "l/v1/2/1"]), ("c", []));
        string? move = ReplicaPlacement.Rebalance(joined, new HashSet<string>());
        Assert.NotNull(move);
        Assert.StartsWith("l/v1/", move);
        var balanced = Nodes(("a", ["l/v1/0/0", "l/v1/1/0"]), ("b", ["l/v1/0/1", "l/v1/1/1"]), ("c", ["l/v1/2/0", "l/v1/2/1"]));
        // Balanced in count, but c holds both replicas of shard 2 while a and b hold none: one of them moves.
        Assert.Equal("l/v1/2/1", ReplicaPlacement.Rebalance(balanced, new HashSet<string>()));
        var apart = Nodes(("a", ["l/v1/0/0", "l/v1/1/1"]), ("b", ["l/v1/0/1", "l/v1/2/0"]), ("c", ["l/v1/1/0", "l/v1/2/1"]));
        Assert.Null(ReplicaPlacement.Rebalance(apart, new HashSet<string>()));
    }

    [Fact]
    public void A_shards_only_replica_never_moves()
    {
        // One replica per shard: the survivor of a node loss keeps both shards when a node joins (a move would stall
        // their frames until recovered); a shard with a replica elsewhere does move.
        Assert.Null(ReplicaPlacement.Rebalance(Nodes(("b", ["l/v2/0/0", "l/v2/1/0"]), ("c", [])), new HashSet<string>()));
        var mixed = Nodes(("a", ["m/v1/0/1"]), ("b", ["l/v2/0/0", "l/v2/1/0", "m/v1/0/0"]), ("c", []));
        Assert.Equal("m/v1/0/0", ReplicaPlacement.Rebalance(mixed, new HashSet<string>()));
    }

    [Fact]
    public void Shards_of_a_lines_older_versions_neither_count_as_load_nor_move()
    {
        // After a retraining and a node loss: the survivor holds v1 (retired) and v2 of both shards, two replicas each; c joined.
        var current = Nodes(("b", ["l/v1/0/0", "l/v1/0/1", "l/v1/1/0", "l/v2/0/0", "l/v2/0/1", "l/v2/1/0", "l/v2/1/1"]), ("c", []));
        Assert.Equal("l/v2/0/1", ReplicaPlacement.Rebalance(current, new HashSet<string>()));
        // v10 is newer than v9; with one live shard each, nothing moves.
        var later = Nodes(("b", ["l/v9/0/0", "l/v9/1/0", "l/v10/0/0"]), ("c", ["l/v10/1/0"]));
        Assert.Null(ReplicaPlacement.Rebalance(later, new HashSet<string>()));
        // A new shard goes where the fewest live shards are, whatever the retired ones.
        Assert.Equal("b", ReplicaPlacement.Allocate("m/v1/0/0", Nodes(("b", ["l/v9/0/0", "l/v9/1/0", "l/v10/0/0"]), ("c", ["l/v10/1/0", "l/v10/2/0"]))));
    }
}

/// <summary>The one rule for a line's replica count: as asked, or automatic (one per gpu node up, at most two).</summary>
public sealed class ReplicaCountTests
{
    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(0, 1, 1)]
    [InlineData(0, 2, 2)]
    [InlineData(0, 5, 2)]
    [InlineData(3, 1, 3)]
    public void Automatic_lines_get_one_replica_per_gpu_node_up_to_two_and_others_what_they_ask(int requested, int gpuNodes, int expected) =>
        Xunit.Assert.Equal(expected, Inspection.Actors.Shards.ReplicaPlacement.ReplicasFor(requested, gpuNodes));
}
