using System.Collections.Concurrent;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Shards;

/// <summary>
/// Faults a factory simulation injects into the shards of its nodes: each answer of a line's shard (or of all its
/// shards) leaves this much later, as from a device that is busy or slow. Shared by the nodes of one process;
/// production nodes have none.
/// </summary>
public sealed class ShardFaults
{
    private readonly ConcurrentDictionary<(string Line, int? Shard), TimeSpan> _delays = new();

    /// <summary>Slows shard <paramref name="shard"/> of the line (every replica of it), or all its shards when null.</summary>
    public void Slow(string line, int? shard, TimeSpan delay) => _delays[(line, shard)] = delay;

    public void Heal(string line, int? shard) => _delays.TryRemove((line, shard), out _);

    public TimeSpan DelayOf(ShardKey key)
    {
        var one = _delays.TryGetValue((key.Line, key.Shard), out var d) ? d : TimeSpan.Zero;
        var all = _delays.TryGetValue((key.Line, null), out var a) ? a : TimeSpan.Zero;
        return one > all ? one : all;
    }
}
