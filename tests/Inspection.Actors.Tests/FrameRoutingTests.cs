using Akka.Actor;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Inspection.Actors.Scoring;
using Inspection.Actors.Training;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// Where a line's frames and its scorers' queries go (plain code, no cluster): to nodes holding the line's bank, and to
/// the replica on the scorer's own node, so a frame's patch features need not cross the network.
/// </summary>
public sealed class FrameRoutingTests
{
    private static Address Node(int port) => new("akka.tcp", "inspection", "127.0.0.1", port);

    private static ModelDeployment Deployment(string line, int shards, int replicas) =>
        new(line, "v1", shards, 100, 384, 9, "resnet18", ["layer2", "layer3"], null, 256, 32, 4.0, 1, 0, 2, 1, 0, 2, Replicas: replicas);

    private static Dictionary<string, Address> Locations(ModelDeployment d, params (int Shard, int Replica, Address Node)[] at) =>
        at.ToDictionary(a => d.ShardEntity(a.Shard, a.Replica), a => a.Node);

    [Fact]
    public void Frames_go_only_to_nodes_holding_the_whole_bank_and_stay_on_one_until_it_is_full()
    {
        var (a, b, c) = (Node(1), Node(2), Node(3));
        var d = Deployment("press", shards: 1, replicas: 2);
        var route = new ExtractorRoute("press", fill: 2);
        foreach (var n in new[] { a, b, c }) route.Up(n);
        route.Locations(Locations(d, (0, 0, a), (0, 1, c)));
        Assert.Equal(new[] { a, c }.Order(new AddressOrder()), route.Candidates(d).Order(new AddressOrder()));

        var open = new Dictionary<Address, int>();
        var first = route.Pick(d, n => open.GetValueOrDefault(n))!;
        // The line keeps to its first node while fewer than `fill` of its frames are open there...
        open[first] = 1;
        Assert.Equal(first, route.Pick(d, n => open.GetValueOrDefault(n)));
        // ...then the other node holding the bank takes frames; b, holding none of it, never does.
        open[first] = 2;
        var second = route.Pick(d, n => open.GetValueOrDefault(n))!;
        Assert.NotEqual(first, second);
        Assert.NotEqual(b, second);
        // Both full: the one with fewer open.
        open[second] = 5;
        Assert.Equal(first, route.Pick(d, n => open.GetValueOrDefault(n)));
    }

    [Fact]
    public void A_silent_node_is_passed_over_while_another_holds_the_bank_and_takes_frames_again_when_it_answers()
    {
        var (a, b) = (Node(1), Node(2));
        var d = Deployment("press", shards: 1, replicas: 2);
        var route = new ExtractorRoute("press", fill: 16);
        route.Up(a);
        route.Up(b);
        route.Locations(Locations(d, (0, 0, a), (0, 1, b)));
        Assert.True(route.Silence(d, a));
        Assert.True(route.IsSilent(a));
        Assert.Equal([b], route.Candidates(d));
        // The last reachable gpu node is never passed over: frames wait for it rather than go nowhere.
        Assert.False(route.Silence(d, b));
        Assert.Equal([b], route.Candidates(d));
        // An answer from the silent node brings it back; so does the cluster finding it reachable.
        route.Answered(a);
        Assert.False(route.IsSilent(a));
        Assert.Equal(2, route.Candidates(d).Count);
        Assert.True(route.Silence(d, a));
        route.Reachable(a);
        Assert.Equal(2, route.Candidates(d).Count);
        // A node holding nothing of the bank is no candidate, so there is nothing to pass over.
        var c = Node(3);
        route.Up(c);
        Assert.False(route.Silence(d, c));
    }

    [Fact]
    public void When_the_only_node_holding_the_whole_bank_is_silent_frames_go_to_the_nodes_holding_most_of_the_rest()
    {
        var (a, b, c) = (Node(1), Node(2), Node(3));
        var d = Deployment("press", shards: 2, replicas: 2);
        var route = new ExtractorRoute("press", fill: 16);
        foreach (var n in new[] { a, b, c }) route.Up(n);
        // a holds both shards; b and c one each.
        route.Locations(Locations(d, (0, 0, a), (1, 1, a), (0, 1, b), (1, 0, c)));
        Assert.Equal([a], route.Candidates(d));
        Assert.True(route.Silence(d, a));
        Assert.Equal(new[] { b, c }.Order(new AddressOrder()), route.Candidates(d).Order(new AddressOrder()));
    }

    [Fact]
    public void Unreachable_nodes_are_passed_over_and_without_locations_every_reachable_node_is_a_candidate()
    {
        var (a, b) = (Node(1), Node(2));
        var d = Deployment("press", shards: 2, replicas: 1);
        var route = new ExtractorRoute("press", fill: 16);
        route.Up(a);
        route.Up(b);
        // Nothing located yet: both nodes, in the line's own order.
        Assert.Equal(2, route.Candidates(d).Count);
        // Each holds one of two shards: both are candidates (each sends one shard's features to the other).
        route.Locations(Locations(d, (0, 0, a), (1, 0, b)));
        Assert.Equal(2, route.Candidates(d).Count);
        route.Unreachable(a);
        Assert.Equal(b, route.Pick(d, _ => 0));
        route.Reachable(a);
        Assert.Equal(2, route.Candidates(d).Count);
        route.Removed(a);
        route.Removed(b);
        Assert.Null(route.Pick(d, _ => 0));
    }

    [Fact]
    public void Lines_spread_over_the_nodes_that_hold_their_banks()
    {
        var nodes = Enumerable.Range(1, 3).Select(Node).ToList();
        var firsts = new HashSet<Address>();
        for (int i = 0; i < 30; i++)
        {
            string line = $"line-{i}";
            var d = Deployment(line, shards: 1, replicas: 3);
            var route = new ExtractorRoute(line, fill: 16);
            nodes.ForEach(route.Up);
            route.Locations(Locations(d, (0, 0, nodes[0]), (0, 1, nodes[1]), (0, 2, nodes[2])));
            var first = route.Pick(d, _ => 0)!;
            // The same line picks the same node every time (another route object, as on another node or after a restart).
            var again = new ExtractorRoute(line, fill: 16);
            nodes.AsEnumerable().Reverse().ToList().ForEach(again.Up);
            again.Locations(Locations(d, (0, 0, nodes[0]), (0, 1, nodes[1]), (0, 2, nodes[2])));
            Assert.Equal(first, again.Pick(d, _ => 0));
            firsts.Add(first);
        }
        Assert.Equal(3, firsts.Count);
    }

    [Fact]
    public void A_scorer_asks_the_replica_on_its_own_node_first_unless_that_node_is_lost()
    {
        var (self, other) = (Node(1), Node(2));
        var choice = new ReplicaChoice(self);
        choice.Answered("l/v1/0/0", other);
        choice.Answered("l/v1/0/1", self);
        string[] candidates = ["l/v1/0/0", "l/v1/0/1"];
        choice.Opened("l/v1/0/1");
        choice.Opened("l/v1/0/1");
        // The local replica, though it has more queries open.
        for (int i = 0; i < 4; i++) Assert.Equal("l/v1/0/1", choice.Pick(candidates));
        choice.NodeLost(self);
        Assert.Equal("l/v1/0/0", choice.Pick(candidates));

        // Without a node of its own (no cluster), by open queries alone.
        var plain = new ReplicaChoice();
        plain.Answered("l/v1/0/0", other);
        plain.Answered("l/v1/0/1", self);
        plain.Opened("l/v1/0/1");
        Assert.Equal("l/v1/0/0", plain.Pick(candidates));
    }

    [Fact]
    public void A_line_gets_one_shard_while_its_bank_fits_the_shard_budget()
    {
        const long budget = 4L << 30;
        Assert.Equal(1, TrainingCoordinatorActor.ShardsFor(21_504, 384, budget));
        // 4 GiB of float32 384-d vectors is 2,796,202.67 rows: one more row needs a second shard.
        Assert.Equal(1, TrainingCoordinatorActor.ShardsFor(2_796_202, 384, budget));
        Assert.Equal(2, TrainingCoordinatorActor.ShardsFor(2_796_203, 384, budget));
        Assert.Equal(4, TrainingCoordinatorActor.ShardsFor(10_000_000, 384, budget));
        Assert.Equal(1, TrainingCoordinatorActor.ShardsFor(0, 384, budget));
    }

    private sealed class AddressOrder : IComparer<Address>
    {
        public int Compare(Address? x, Address? y) => string.CompareOrdinal(x?.ToString(), y?.ToString());
    }
}
