namespace Inspection.Actors.Hosting;

/// <summary>
/// The dispatcher of the actors that run TorchSharp (extractors, scorers, bank shards): a dedicated thread pool
/// (hocon/base.conf), apart from the default dispatcher that carries cluster heartbeats and every other actor.
/// </summary>
public static class ComputeDispatcher
{
    public const string Id = "inspection.compute-dispatcher";
}
