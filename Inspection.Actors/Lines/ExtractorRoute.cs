using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Lines;

/// <summary>
/// Which gpu node's extractor gets a line's next frame. Only nodes holding the most of the line's shards (a replica of
/// each, where one does) are candidates: there the scorer asks its own node's replicas and the frame's features cross
/// no network. Among them a line keeps to one node (rendezvous hashing on the line, so lines spread over nodes and each
/// line's micro-batches fill) until <c>fill</c> of its frames are open there; then the next candidate takes frames, and
/// when all are that busy, the one with the fewest open. Unreachable nodes are never chosen, nor silent ones: nodes the
/// line itself found not answering (<see cref="Silence"/>) while another holder of its bank is there, until they answer.
/// </summary>
public sealed class ExtractorRoute(string line, int fill)
{
    private readonly HashSet<Address> _up = [];
    private readonly HashSet<Address> _unreachable = [];
    private readonly HashSet<Address> _silent = [];
    private IReadOnlyDictionary<string, Address> _locations = new Dictionary<string, Address>();
    private readonly Dictionary<Address, ulong> _rank = new();
    private (ModelDeployment Deployment, List<Address> Nodes)? _candidates;

    public void Up(Address node) => Changed(_up.Add(node));

    public void Removed(Address node) => Changed(_up.Remove(node) | _unreachable.Remove(node) | _silent.Remove(node));

    public void Unreachable(Address node) => Changed(_unreachable.Add(node));

    public void Reachable(Address node) => Changed(_unreachable.Remove(node) | _silent.Remove(node));

    /// <summary>
    /// The line found <paramref name="node"/> silent (its frames overdue, no answer from it for as long): it takes no
    /// frames until it answers again (<see cref="Answered"/>), and the candidates are chosen among the other nodes (those
    /// holding the most of the bank among them: a node holding less asks the rest of it from remote replicas). Unless it
    /// is the last reachable gpu node: then nothing changes and false is returned (frames wait for it, or for the
    /// cluster to move its replicas).
    /// </summary>
    public bool Silence(ModelDeployment deployment, Address node)
    {
        if (_silent.Contains(node) || !Candidates(deployment).Contains(node)) return false;
        if (!_up.Any(n => n != node && !_unreachable.Contains(n) && !_silent.Contains(n))) return false;
        return _silent.Add(node) && Changed(true);
    }

    /// <summary>An answer came from <paramref name="node"/>: it is no longer silent.</summary>
    public void Answered(Address node) => Changed(_silent.Count > 0 && _silent.Remove(node));

    public bool IsSilent(Address node) => _silent.Contains(node);

    public void Locations(IReadOnlyDictionary<string, Address> locations)
    {
        _locations = locations;
        Changed(true);
    }

    /// <summary>
    /// The node for the next frame, given how many of the line's frames are open at each node; null while no reachable
    /// gpu node is known.
    /// </summary>
    public Address? Pick(ModelDeployment deployment, Func<Address, int> openAt)
    {
        var nodes = Candidates(deployment);
        if (nodes.Count == 0) return null;
        Address? least = null;
        int leastOpen = int.MaxValue;
        foreach (var node in nodes)
        {
            int open = openAt(node);
            if (open < fill) return node;
            if (open < leastOpen) (least, leastOpen) = (node, open);
        }
        return least;
    }

    /// <summary>The reachable gpu nodes holding the most shards of <paramref name="deployment"/>, the line's own first.</summary>
    public IReadOnlyList<Address> Candidates(ModelDeployment deployment)
    {
        if (_candidates is { } cached && ReferenceEquals(cached.Deployment, deployment)) return cached.Nodes;
        var reachable = _up.Where(n => !_unreachable.Contains(n) && !_silent.Contains(n)).ToList();
        var held = reachable.ToDictionary(n => n, n => Enumerable.Range(0, deployment.ShardCount)
            .Count(s => Enumerable.Range(0, deployment.Replicas).Any(r => _locations.TryGetValue(deployment.ShardEntity(s, r), out var at) && at == n)));
        int most = held.Count == 0 ? 0 : held.Values.Max();
        var nodes = reachable.Where(n => held[n] == most).OrderByDescending(Rank).ThenBy(n => n.ToString(), StringComparer.Ordinal).ToList();
        _candidates = (deployment, nodes);
        return nodes;
    }

    private bool Changed(bool changed)
    {
        if (changed) _candidates = null;
        return changed;
    }

    /// <summary>The line's rendezvous weight of a node: the same on every node and across restarts.</summary>
    private ulong Rank(Address node)
    {
        if (_rank.TryGetValue(node, out var rank)) return rank;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{line}|{node}"));
        return _rank[node] = BitConverter.ToUInt64(hash, 0);
    }
}
