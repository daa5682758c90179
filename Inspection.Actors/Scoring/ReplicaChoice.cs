using Akka.Actor;

namespace Inspection.Actors.Scoring;

/// <summary>
/// A scorer's view of the replicas it queries: how many queries each has open, on which node it answered last, which
/// nodes are lost, and how long a stage's answers take, which sets the delay after which a query also goes to another
/// replica. A replica on a lost node, or one found slow, is chosen only when no other is left. Among the usable ones a
/// replica on this node comes first: its query does not cross the network (a batch's patch features are 1.5 MB per
/// remote shard), and the line's routing spreads frames over the nodes that hold the bank, so the load evens out there.
/// </summary>
/// <param name="self">This node's address; null (no cluster) makes no replica local.</param>
public sealed class ReplicaChoice(Address? self = null)
{
    private readonly Dictionary<string, int> _open = new();
    private readonly Dictionary<string, Address> _location = new();
    private readonly HashSet<Address> _lost = [];
    private readonly Dictionary<string, long> _slowUntil = new();
    private double _stageMs = -1; // smoothed time of a whole stage
    private long _turn;

    /// <summary>
    /// The replica to ask among <paramref name="candidates"/>: a usable one, on this node if one is, with the fewest open
    /// queries, in turn on ties. Where a replica runs is learnt from its answers.
    /// </summary>
    public string Pick(IReadOnlyList<string> candidates)
    {
        long now = Environment.TickCount64;
        long turn = _turn++;
        return candidates
            .Select((entity, i) => (entity, i, Unusable: (IsLost(entity) ? 2 : 0) + (_slowUntil.GetValueOrDefault(entity) > now ? 1 : 0)))
            .OrderBy(c => c.Unusable).ThenBy(c => IsLocal(c.entity) ? 0 : 1)
            .ThenBy(c => _open.GetValueOrDefault(c.entity)).ThenBy(c => (c.i + turn) % candidates.Count)
            .First().entity;
    }

    public void Opened(string entity) => _open[entity] = _open.GetValueOrDefault(entity) + 1;

    public void Closed(string? entity)
    {
        if (entity != null && _open.TryGetValue(entity, out int n)) _open[entity] = Math.Max(0, n - 1);
    }

    public void Answered(string entity, Address node)
    {
        _location[entity] = node;
        _slowUntil.Remove(entity);
    }

    /// <summary>Where a replica runs, as the node's replica directory reports it (before it has answered anything).</summary>
    public void Located(string entity, Address node) => _location[entity] = node;

    /// <summary>On this node: its queries do not cross the network, and it cannot be on a lost node.</summary>
    public bool IsLocal(string entity) => self != null && IsOn(entity, self);

    /// <summary>A replica passed over by a hedge is avoided for a few seconds, unless it answers first.</summary>
    public void Slow(string entity) => _slowUntil[entity] = Environment.TickCount64 + 5_000;

    public void NodeLost(Address node) => _lost.Add(node);

    /// <summary>A node reachable again.</summary>
    public void NodeBack(Address node) => _lost.Remove(node);

    /// <summary>A node removed: its replicas restart elsewhere and are learnt again from their answers (a node started
    /// again on the same address is a new member).</summary>
    public void NodeRemoved(Address node)
    {
        _lost.Remove(node);
        foreach (var entity in _location.Where(l => l.Value == node).Select(l => l.Key).ToList()) _location.Remove(entity);
    }

    /// <summary>The node the replica runs on, if known.</summary>
    public Address? Where(string entity) => _location.GetValueOrDefault(entity);

    public bool IsOn(string entity, Address node) => _location.TryGetValue(entity, out var at) && at == node;

    private bool IsLost(string entity) => _location.TryGetValue(entity, out var at) && _lost.Contains(at);

    public void Observe(TimeSpan stage) => _stageMs = _stageMs < 0 ? stage.TotalMilliseconds : 0.9 * _stageMs + 0.1 * stage.TotalMilliseconds;

    /// <summary>Four times the usual stage time, at least 250 ms, at most half the timeout.</summary>
    public TimeSpan HedgeDelay(TimeSpan timeout)
    {
        double ms = _stageMs < 0 ? 1000 : 4 * _stageMs;
        return TimeSpan.FromMilliseconds(Math.Clamp(ms, 250, Math.Max(250, timeout.TotalMilliseconds / 2)));
    }
}
