using Akka.Actor;

namespace Inspection.Actors.Shards;

/// <summary>
/// The queries a shard has lately answered, by asker, id and kind, the oldest forgotten first beyond a capacity. A
/// scorer asks a slow shard again, with the same id, every retry round; the copies queue behind the first. Answering
/// each would multiply the work of a shard that is already behind, so that it never catches up: once it is behind,
/// every answer comes too late, and it computes nothing but copies and queries given up on. A copy of a query this
/// shard (this incarnation) has answered is skipped instead; its first answer went to the same asker.
/// </summary>
public sealed class RepeatedQueries(int capacity = RepeatedQueries.DefaultCapacity)
{
    public const int DefaultCapacity = 4096;
    private readonly HashSet<(IActorRef Asker, long Id, string Kind)> _seen = [];
    private readonly Queue<(IActorRef Asker, long Id, string Kind)> _order = new();

    /// <summary>True the first time a query is seen (answer it); false for a copy (skip it).</summary>
    public bool First(IActorRef asker, long id, string kind)
    {
        if (!_seen.Add((asker, id, kind))) return false;
        _order.Enqueue((asker, id, kind));
        if (_order.Count > capacity) _seen.Remove(_order.Dequeue());
        return true;
    }
}
