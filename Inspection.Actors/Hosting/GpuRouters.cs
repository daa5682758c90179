using Akka.Actor;
using Akka.Cluster.Routing;
using Akka.Hosting;
using Akka.Routing;
using Inspection.Actors.Extraction;
using Inspection.Actors.Training;

namespace Inspection.Actors.Hosting;

/// <summary>
/// Routers to an actor of every gpu node (this one included): lines and training reach the feature extractors, training
/// the training extractors, and jobs the training coordinators (a cancel is broadcast to all of them).
/// </summary>
public static class GpuRouters
{
    public static AkkaConfigurationBuilder WithGpuRouters(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry) =>
        {
            registry.Register<FeatureExtractors>(ToEveryGpuNode(system, InspectionNodeHosting.FeatureExtractorPath, "extractors"));
            registry.Register<TrainingExtractors>(ToEveryGpuNode(system, InspectionNodeHosting.TrainingExtractorPath, "training-extractors"));
            registry.Register<TrainingCoordinators>(ToEveryGpuNode(system, InspectionNodeHosting.TrainingPath, "trainers"));
        });

    /// <summary>A cluster-aware round-robin group over /user/<paramref name="path"/> of every gpu node.</summary>
    private static IActorRef ToEveryGpuNode(ActorSystem system, string path, string name) =>
        system.ActorOf(Props.Empty.WithRouter(new ClusterRouterGroup(new RoundRobinGroup(["/user/" + path]),
            new ClusterRouterGroupSettings(10_000, ["/user/" + path], allowLocalRoutees: true, useRole: "gpu"))), name);
}
