using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Hosting;
using Inspection.Actors.Lines;
using Inspection.Actors.Registry;
using Inspection.Actors.Results;
using Inspection.Actors.Shards;

namespace Inspection.Host.Api;

/// <summary>What the routes share: the settings, the node's actors (once the actor system is up), the result store and jobs.</summary>
public sealed class ApiContext(ServeSettings settings, LineOptions lines, ActorSystem system, ResultStore store, JobRegistry jobs, ResultFeed feed)
{
    private readonly Lazy<DeploymentCache> _deployments = new(() => DeploymentCache.Start(system));

    private Task<InspectionPipeline>? _pipeline;
    private readonly object _gate = new();

    /// <summary>How long the API waits for the registry or a line to answer before it says 503.</summary>
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    public ServeSettings Settings => settings;
    /// <summary>The options this node's lines run with (their deadlines).</summary>
    public LineOptions Lines => lines;
    /// <summary>Every line's deployment as this node last heard it.</summary>
    public DeploymentCache Deployments => _deployments.Value;
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
