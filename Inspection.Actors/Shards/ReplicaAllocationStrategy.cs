using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Inspection.Actors.Shards;

/// <summary>
/// Cluster sharding's allocation strategy for memory-bank shards: <see cref="ReplicaPlacement"/> over the regions'
/// node addresses (the coordinator's own region has a local path, so it is named by this node's address).
/// </summary>
public sealed class ReplicaAllocationStrategy : IShardAllocationStrategy, IActorSystemDependentAllocationStrategy
{
    private Address _self = Address.AllSystems;

    public void Start(ActorSystem system) => _self = Akka.Cluster.Cluster.Get(system).SelfAddress;

    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        var byNode = ByNode(currentShardAllocations, out var regions);
        return Task.FromResult(regions[ReplicaPlacement.Allocate(shardId, byNode)]);
    }

    public Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations, IImmutableSet<string> rebalanceInProgress)
    {
        var move = ReplicaPlacement.Rebalance(ByNode(currentShardAllocations, out _), rebalanceInProgress.ToHashSet());
        return Task.FromResult<IImmutableSet<string>>(move == null ? ImmutableHashSet<string>.Empty : ImmutableHashSet.Create(move));
    }

    private Dictionary<string, IReadOnlyList<string>> ByNode(IImmutableDictionary<IActorRef, IImmutableList<string>> allocations, out Dictionary<string, IActorRef> regions)
    {
        regions = new Dictionary<string, IActorRef>();
        var byNode = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var (region, shards) in allocations)
        {
            var address = region.Path.Address.HasLocalScope ? _self : region.Path.Address;
            string node = address.ToString();
            regions[node] = region;
            byNode[node] = shards;
        }
        return byNode;
    }
}
