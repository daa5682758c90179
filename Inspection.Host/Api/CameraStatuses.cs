using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Inspection.Actors.Messages;

namespace Inspection.Host.Api;

/// <summary>
/// The latest <see cref="CameraReport"/> of every node that runs cameras, as the camera topic brings them; the camera
/// list (GET /api/v1/cameras) reads it. A node that has stopped reporting keeps its last report, shown as stale.
/// </summary>
public sealed class CameraStatuses
{
    private readonly ConcurrentDictionary<string, CameraReport> _reports = new();

    public IReadOnlyList<CameraReport> Reports => [.. _reports.Values.OrderBy(r => r.Node, StringComparer.Ordinal)];

    public void Start(ActorSystem system)
    {
        var listener = system.ActorOf(Props.Create(() => new Listener(this)), "camera-statuses");
        DistributedPubSub.Get(system).Mediator.Tell(new Subscribe(CameraReport.Topic, listener));
    }

    private sealed class Listener : ReceiveActor
    {
        public Listener(CameraStatuses statuses)
        {
            Receive<CameraReport>(r => statuses._reports[r.Node] = r);
            Receive<SubscribeAck>(_ => { });
        }
    }
}
