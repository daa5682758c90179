using Akka.Cluster.Sharding;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Shards;

/// <summary>
/// Routes <see cref="IShardMessage"/>s to their entity. Every entity is a sharding shard of its own, named by its
/// <see cref="ShardKey"/>, so that <see cref="ReplicaAllocationStrategy"/> can keep the replicas of a slice apart
/// (hashing entity ids into shards would put unrelated slices, or two replicas, in one shard).
/// </summary>
public sealed class ShardMessageExtractor : IMessageExtractor
{
    public string? EntityId(object message) => (message as IShardMessage)?.EntityId;

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => EntityId(message);

    public string ShardId(string entityId, object? messageHint = null) => entityId;
}
