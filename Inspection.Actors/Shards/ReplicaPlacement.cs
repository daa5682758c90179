using Inspection.Actors.Messages;

namespace Inspection.Actors.Shards;

/// <summary>
/// Where memory-bank shard entities go, over nodes named by address (plain data, so it is tested without a cluster).
/// One sharding shard holds one entity, named by its <see cref="ShardKey"/>. A replica goes to the least loaded node
/// that holds no other replica of the same shard, so one node's loss never takes every copy of a slice; only when
/// every node already holds one (fewer nodes than replicas) do two share a node. Rebalancing later separates such
/// replicas once a node is free of them, and gives a node that joins a share of the shards. Load counts only the
/// shards of each line's newest version present: older versions' shards stay allocated after a retraining (their
/// entities passivate), and moving them would give a joining node nothing that serves.
/// </summary>
public static class ReplicaPlacement
{
    /// <summary>Most replicas an automatic line (replicas 0) gets: one per gpu node up to this many.</summary>
    public const int AutomaticMaximum = 2;

    /// <summary>
    /// The replicas of each shard for a line asking for <paramref name="requested"/> (0: automatic, one per gpu node
    /// up, at most <see cref="AutomaticMaximum"/>) with <paramref name="gpuNodes"/> gpu nodes up; at least 1.
    /// </summary>
    public static int ReplicasFor(int requested, int gpuNodes) => requested > 0 ? requested : Math.Clamp(gpuNodes, 1, AutomaticMaximum);

    /// <summary>The node for <paramref name="shardId"/>, given what every node holds now (ties: the lowest address).</summary>
    public static string Allocate(string shardId, IReadOnlyDictionary<string, IReadOnlyList<string>> current)
    {
        if (current.Count == 0) throw new InvalidOperationException($"no node can hold shard {shardId}");
        var candidates = current.Keys.ToList();
        if (ShardKey.TryParse(shardId, out var key))
        {
            var apart = candidates.Where(node => !current[node].Any(s => Sibling(s, key))).ToList();
            if (apart.Count > 0) candidates = apart;
        }
        var live = Live(current);
        return candidates.OrderBy(node => current[node].Count(live.Contains)).ThenBy(node => current[node].Count)
            .ThenBy(node => node, StringComparer.Ordinal).First();
    }

    /// <summary>
    /// At most one shard to move now, or none: first a replica sharing a node with a sibling while some node holds
    /// no replica of that shard; else, when the most loaded node holds at least two more than the least loaded one,
    /// one of its shards that has a sibling elsewhere and none on that node. A shard's only replica never moves: until
    /// it has recovered on its new node its frames would wait (seen: a 504 after 60 s on two busy cores). Nothing
    /// moves while a move is in progress.
    /// </summary>
    public static string? Rebalance(IReadOnlyDictionary<string, IReadOnlyList<string>> current, IReadOnlySet<string> inProgress)
    {
        if (inProgress.Count > 0 || current.Count < 2) return null;
        var live = Live(current);
        var nodes = current.Keys.Order(StringComparer.Ordinal).ToList();
        foreach (var node in nodes)
            foreach (var group in current[node].Where(live.Contains).Select(s => (Id: s, Key: ShardKey.Parse(s)))
                         .GroupBy(x => x.Key.ShardName).Where(g => g.Count() > 1))
            {
                if (nodes.Any(other => !current[other].Any(s => ShardKey.TryParse(s, out var k) && k.ShardName == group.Key)))
                    return group.OrderByDescending(x => x.Key.Replica).First().Id;
            }
        int Load(string node) => current[node].Count(live.Contains);
        var most = nodes.OrderByDescending(Load).First();
        var least = nodes.OrderBy(Load).First();
        if (Load(most) - Load(least) < 2) return null;
        var all = current.Values.SelectMany(v => v).Where(live.Contains).ToList();
        return current[most].Where(live.Contains).Order(StringComparer.Ordinal).FirstOrDefault(s =>
        {
            var key = ShardKey.Parse(s);
            return all.Any(other => Sibling(other, key)) && !current[least].Any(other => Sibling(other, key));
        });
    }

    /// <summary>The shard ids of each line's newest version among those allocated (versions compare by their number: v2 before v10).</summary>
    private static HashSet<string> Live(IReadOnlyDictionary<string, IReadOnlyList<string>> current)
    {
        var keys = current.Values.SelectMany(v => v).Select(s => (Id: s, Ok: ShardKey.TryParse(s, out var k), Key: k)).Where(x => x.Ok).ToList();
        var newest = keys.GroupBy(x => x.Key.Line).ToDictionary(g => g.Key, g => g.Select(x => x.Key.Version).MaxBy(VersionOrder));
        return keys.Where(x => x.Key.Version == newest[x.Key.Line]).Select(x => x.Id).ToHashSet();
    }

    private static (long Number, string Name) VersionOrder(string version) =>
        (version.Length > 1 && version[0] == 'v' && long.TryParse(version.AsSpan(1), out long n) ? n : -1, version);

    private static bool Sibling(string shardId, ShardKey key) =>
        ShardKey.TryParse(shardId, out var other) && other.ShardName == key.ShardName && other.Replica != key.Replica;
}
