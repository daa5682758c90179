using Akka.Actor;
using Inspection.Actors.Messages;
using Microsoft.AspNetCore.Http.HttpResults;
using Akka.Hosting;
using Inspection.Actors.Registry;
using Microsoft.AspNetCore.Mvc;
using Inspection.Actors.Shards;

namespace Inspection.Host.Api;

/// <summary>GET /api/v1/cluster: members as this node sees them, and where every shard of every line's model is.</summary>
public static class ClusterRoutes
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapGet("/cluster", Get).WithTags("Cluster").WithSummary("Members (address, roles, status, reachability), the leader, and every shard of every line.");

    private static async Task<Ok<ClusterView>> Get(ApiContext api, [FromServices] IRequiredActor<ModelRegistry> registry,
        [FromServices] IRequiredActor<MemoryBankShardRegion> bankShards, CancellationToken cancel)
    {
        var cluster = Akka.Cluster.Cluster.Get(api.System);
        var state = cluster.State;
        var models = await registry.GetAsync(cancel);
        var shardRegion = await bankShards.GetAsync(cancel);
        var list = await models.Ask<LineList>(new ListLines(), ApiContext.AskTimeout, cancel);
        var lines = new List<LineShardsView>();
        foreach (var summary in list.Lines.Where(l => l.Version != null))
        {
            var details = await models.Ask<LineDetails>(new GetLine(summary.Line), ApiContext.AskTimeout, cancel);
            if (details.Deployment is not { } d) continue;
            var replicas = Enumerable.Range(0, d.ShardCount).SelectMany(i => Enumerable.Range(0, d.Replicas).Select(r => (Index: i, Replica: r)));
            var shards = await Task.WhenAll(replicas.Select(async x =>
            {
                string entity = d.ShardEntity(x.Index, x.Replica);
                try
                {
                    var s = await shardRegion.Ask<ShardState>(new GetShardState(entity), TimeSpan.FromSeconds(3), cancel);
                    string loaded = s.ChunksStored == s.ChunkCount && s.Rows > 0 ? "loaded" : $"loading ({s.ChunksStored} of {s.ChunkCount} chunks)";
                    return new ShardView(x.Index, entity, s.Address, s.Rows, s.Device, loaded, x.Replica);
                }
                catch (AskTimeoutException) { return new ShardView(x.Index, entity, null, 0, null, "not answering", x.Replica); }
            }));
            lines.Add(new LineShardsView(d.Line, d.Version, shards));
        }
        var shardsPerNode = lines.SelectMany(l => l.Shards).Where(s => s.Node != null).GroupBy(s => s.Node!).ToDictionary(g => g.Key, g => g.Count());
        var members = state.Members.Select(m => new MemberView(m.Address.ToString(), m.Roles.Order().ToList(), m.Status.ToString(),
            !state.Unreachable.Contains(m), m.Address == state.Leader, m.Address == cluster.SelfAddress, shardsPerNode.GetValueOrDefault(m.Address.ToString()))).ToList();
        var notes = new List<string>();
        foreach (var idle in members.Where(m => m.Roles.Contains("gpu") && m.Status == "Up" && m.Shards == 0 && lines.Count > 0))
            notes.Add($"gpu node {idle.Address} holds no shard yet: replicas move onto a node that joins within a few rebalancing rounds (10 s each), " +
                      "but a shard's only replica does not move; a line with one replica per shard uses the node once retrained.");
        foreach (var unreachable in members.Where(m => !m.Reachable))
            notes.Add($"node {unreachable.Address} is unreachable: the split-brain resolver downs it if it stays so; its shards then restart on the other gpu nodes, and where a shard has another replica, that one answers meanwhile.");
        return TypedResults.Ok(new ClusterView(cluster.SelfAddress.ToString(), state.Leader?.ToString(), members, lines, notes));
    }
}
