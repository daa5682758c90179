using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Results;

/// <summary>Publishes a stored result on the cluster's <see cref="LineActor.ResultsTopic"/> (live views, the CLI's printer).</summary>
public static class ResultPublisher
{
    public static void Publish(ActorSystem system, StoredResult result, ILoggingAdapter log)
    {
        try { DistributedPubSub.Get(system).Mediator.Tell(new Publish(LineActor.ResultsTopic, result)); }
        catch (Exception e) when (e is not OutOfMemoryException) { log.Debug("Result not published: {0}", e.Message); }
    }
}
