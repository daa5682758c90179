using Akka.Cluster.Sharding;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Shards;

/// <summary>Routes <see cref="IShardMessage"/>s to their entity; shards of all lines share one region.</summary>
public sealed class ShardMessageExtractor(int maxShards = 100) : HashCodeMessageExtractor(maxShards)
{
    public override string? EntityId(object message) => (message as IShardMessage)?.EntityId;
}
