using Akka.Actor;
using Akka.Hosting;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace Inspection.Actors.Shards;

/// <summary>
/// Where every bank shard replica runs, as the cluster's shard regions report it (<see cref="GetClusterShardingStats"/>;
/// a replica's sharding shard id is its entity id), for the lines on this node: a line sends its frames to a node that
/// holds its whole bank, so their features never cross the network. Asked again every <c>period</c> and soon after a
/// member joins, leaves or becomes unreachable (replicas move then); subscribers hear every change.
/// </summary>
public sealed class ReplicaDirectoryActor : ReceiveActor, IWithTimers
{
    private readonly IActorRef _region;
    private readonly TimeSpan _period;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<IActorRef> _subscribers = [];
    private Locations _current = new(new Dictionary<string, Address>());
    private bool _asking;
    // This node's own shards, from its region alone: known at once even when the cluster-wide report is slow (a busy
    // node's shards report late), so scorers here find their local replicas.
    private IReadOnlySet<string> _here = new HashSet<string>();
    private readonly Dictionary<string, Address> _cluster = new(StringComparer.Ordinal);

    public ITimerScheduler Timers { get; set; } = null!;

    public ReplicaDirectoryActor(IActorRef shardRegion, TimeSpan period)
    {
        _region = shardRegion;
        _period = period;
        Receive<Subscribe>(_ =>
        {
            if (_subscribers.Add(Sender)) Context.Watch(Sender);
            Sender.Tell(_current);
            Ask(); // a new scorer or line: news of moved replicas sooner

        });
        Receive<Terminated>(t => _subscribers.Remove(t.ActorRef));
        Receive<AskRegions>(_ => Ask());
        Receive<ClusterShardingStats>(Update);
        Receive<CurrentShardRegionState>(state =>
        {
            _here = state.Shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
            Publish();
        });
        Receive<Status.Failure>(f =>
        {
            _asking = false;
            _log.Debug("Shard regions did not report their shards: {0}", f.Cause.Message);
        });
        // Replicas move when members change: ask a little later, once the coordinator has reallocated them.
        Receive<ClusterEvent.MemberRemoved>(r =>
        {
            foreach (var entity in _cluster.Where(e => e.Value == r.Member.Address).Select(e => e.Key).ToList()) _cluster.Remove(entity);
            Publish();
            Timers.StartSingleTimer("soon", AskRegions.Instance, TimeSpan.FromMilliseconds(500));
        });
        Receive<ClusterEvent.IMemberEvent>(_ => Timers.StartSingleTimer("soon", AskRegions.Instance, TimeSpan.FromMilliseconds(500)));
        Receive<ClusterEvent.IReachabilityEvent>(_ => Timers.StartSingleTimer("soon", AskRegions.Instance, TimeSpan.FromMilliseconds(500)));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    public static Props Props(IActorRef shardRegion, TimeSpan? period = null) =>
        Akka.Actor.Props.Create(() => new ReplicaDirectoryActor(shardRegion, period ?? TimeSpan.FromSeconds(3)));

    protected override void PreStart()
    {
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer("period", AskRegions.Instance, _period);
        Ask();
    }

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    private void Ask()
    {
        if (_asking) return;
        _asking = true;
        var timeout = TimeSpan.FromTicks(Math.Max(_period.Ticks, TimeSpan.FromSeconds(3).Ticks));
        _region.Ask<ClusterShardingStats>(new GetClusterShardingStats(timeout), timeout + TimeSpan.FromSeconds(1)).PipeTo(Self);
        _region.Tell(GetShardRegionState.Instance);
    }

    private void Update(ClusterShardingStats stats)
    {
        _asking = false;
        var self = Cluster.Get(Context.System).SelfAddress;
        // A region that did not report in time (one of its shards busy) reports nothing: its replicas keep the node
        // they had while that node is a member, so routes do not flap; a node's removal drops them (MemberRemoved).
        foreach (var (address, region) in stats.Regions)
            // A shard that did not report in time (busy) is still where it was: counted as there, so routes do not flap.
            foreach (var shard in region.Stats.Keys.Concat(region.Failed))
                _cluster[shard] = address.HasGlobalScope ? address : self;
        Publish();
    }

    /// <summary>The cluster's report with this node's own shards over it; told to subscribers when it changed.</summary>
    private void Publish()
    {
        var self = Cluster.Get(Context.System).SelfAddress;
        var entities = new Dictionary<string, Address>(_cluster, StringComparer.Ordinal);
        foreach (var shard in _here) entities[shard] = self;
        if (entities.Count == _current.Entities.Count && entities.All(e => _current.Entities.TryGetValue(e.Key, out var a) && a == e.Value)) return;
        _current = new Locations(entities);
        foreach (var subscriber in _subscribers) subscriber.Tell(_current);
    }

    /// <summary>Tells the sender the current <see cref="Locations"/> now and at every change (local to the node).</summary>
    public sealed class Subscribe
    {
        public static readonly Subscribe Instance = new();
        private Subscribe() { }
    }

    /// <summary>The node of every replica entity started somewhere in the cluster.</summary>
    public sealed record Locations(IReadOnlyDictionary<string, Address> Entities);

    private sealed class AskRegions
    {
        public static readonly AskRegions Instance = new();
        private AskRegions() { }
    }
}

/// <summary>Registry key of this node's <see cref="ReplicaDirectoryActor"/>.</summary>
public sealed class ReplicaDirectory;

public static class ReplicaDirectoryHosting
{
    /// <summary>This node's replica directory, reading the memory-bank shard region.</summary>
    public static Akka.Hosting.AkkaConfigurationBuilder WithReplicaDirectory(this Akka.Hosting.AkkaConfigurationBuilder builder) =>
        builder.WithActors(async (system, registry, _) =>
            registry.Register<ReplicaDirectory>(system.ActorOf(ReplicaDirectoryActor.Props(await registry.GetAsync<MemoryBankShardRegion>()), "replica-directory")));
}
