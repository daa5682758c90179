using System.Collections.Concurrent;

namespace Inspection.Actors.Shards;

/// <summary>
/// Faults a factory simulation injects into the shards of its nodes: each answer of a line's shards leaves this much
/// later, as from a device that is busy or slow. Shared by the nodes of one process; production nodes have none.
/// </summary>
public sealed class ShardFaults
{
    private readonly ConcurrentDictionary<string, TimeSpan> _delays = new(StringComparer.Ordinal);

    public void Slow(string line, TimeSpan delay) => _delays[line] = delay;

    public void Heal(string line) => _delays.TryRemove(line, out _);

    public TimeSpan DelayOf(string line) => _delays.TryGetValue(line, out var delay) ? delay : TimeSpan.Zero;
}
