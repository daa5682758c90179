using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Registry;

/// <summary>
/// This node's copy of every line's deployment, kept by following the registry's <see cref="ModelRegistryActor.Topic"/>
/// (new versions, threshold changes, deleted lines), so that taking a frame costs no registry round trip. A line not
/// known here yet is asked of the registry once (<see cref="Offer"/>); a deployment learnt from the topic replaces it.
/// </summary>
public sealed class DeploymentCache
{
    private readonly ConcurrentDictionary<string, ModelDeployment> _deployments = new(StringComparer.Ordinal);

    private DeploymentCache() { }

    /// <summary>A cache following the topic from now on (a system without distributed pub-sub: filled by offers alone).</summary>
    public static DeploymentCache Start(ActorSystem system, string name = "deployment-cache")
    {
        var cache = new DeploymentCache();
        system.ActorOf(Props.Create(() => new Follower(cache)), name);
        return cache;
    }

    public bool TryGet(string line, out ModelDeployment deployment) => _deployments.TryGetValue(line, out deployment!);

    /// <summary>A deployment read from the registry: kept unless the topic has already said something newer.</summary>
    public void Offer(ModelDeployment deployment) => _deployments.TryAdd(deployment.Line, deployment);

    /// <summary>The line was deleted through this node: forgotten now, before the topic says so.</summary>
    public void Forget(string line) => _deployments.TryRemove(line, out _);

    /// <summary>Follows the topic; the registry publishes in order, so the last message read is the line's state.</summary>
    private sealed class Follower : ReceiveActor
    {
        public Follower(DeploymentCache cache)
        {
            Receive<DeploymentChanged>(c => cache._deployments[c.Deployment.Line] = c.Deployment);
            Receive<LineDeleted>(d => cache._deployments.TryRemove(d.Line, out _));
            Receive<SubscribeAck>(_ => { });
            ReceiveAny(_ => { }); // the topic's other news (lines added or configured) does not change a deployment
        }

        protected override void PreStart()
        {
            try { DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(ModelRegistryActor.Topic, Self)); }
            catch (Exception e) when (e is not OutOfMemoryException) { Context.GetLogger().Info("No distributed pub-sub: {0}", e.Message); }
        }
    }
}
