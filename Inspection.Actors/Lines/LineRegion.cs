using Akka.Cluster.Sharding;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Lines;

/// <summary>
/// Registry key of the lines' shard region: every line is one <see cref="LineActor"/> entity on a node with the ingest
/// role, reached from any node by its name, so frames pushed to any api node of the cluster meet the line's one
/// journal writer.
/// </summary>
public sealed class LineRegion
{
    public const string TypeName = "line";
}

/// <summary>Routes frames and line queries to the line they name.</summary>
public sealed class LineMessageExtractor(int maxShards = 50) : HashCodeMessageExtractor(maxShards)
{
    public override string? EntityId(object message) => message switch
    {
        CapturedFrame f => f.Frame.Line,
        PartTimedOut t => t.Line,
        GetLineStats q => q.Line,
        _ => null,
    };
}
