using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Hosting;
using Inspection.Actors.Results;
using Inspection.Actors.Shards;

namespace Inspection.Host.Api;

/// <summary>What the routes share: the settings, the node's actors (once the actor system is up), the result store and jobs.</summary>
public sealed class ApiContext(ServeSettings settings, ActorSystem system, ResultStore store, JobRegistry jobs, ResultFeed feed)
{
    private Task<InspectionPipeline>? _pipeline;
    private readonly object _gate = new();

    /// <summary>How long the API waits for the registry or a line to answer before it says 503.</summary>
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    public ServeSettings Settings => settings;
    public ActorSystem System => system;
    public ResultStore Store => store;
    public JobRegistry Jobs => jobs;
    public ResultFeed Feed => feed;

    public Task<InspectionPipeline> Pipeline()
    {
        lock (_gate) return _pipeline ??= InspectionPipeline.For(system);
    }

    public IActorRef ShardRegion => ActorRegistry.For(system).Get<MemoryBankShardRegion>();
}
