using Akka.Actor;
using Inspection.Actors.Lines;
using Inspection.Actors.Registry;
using Inspection.Actors.Results;

namespace Inspection.Host.Api;

/// <summary>
/// What the routes share: the settings, the node's line options, the deployments it has heard of, the result store,
/// results' images and jobs. The cluster's actors reach a route as <c>IRequiredActor&lt;T&gt;</c> parameters.
/// </summary>
public sealed class ApiContext(ServeSettings settings, LineOptions lines, ActorSystem system, ResultStore store, JobRegistry jobs, ResultFeed feed,
    Inspection.Actors.Storage.DiskGuard? disk = null)
{
    private readonly Lazy<DeploymentCache> _deployments = new(() => DeploymentCache.Start(system));
    private readonly LostFrames _lost = new();
    private readonly ResultImageSource _images = new(system, settings.HeatmapFolder, TimeSpan.FromSeconds(5));

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
    /// <summary>Results' images, from this node's disk or the gpu node that scored the frame.</summary>
    public ResultImageSource Images => _images;
    /// <summary>Frames answered 202 whose result could not be stored.</summary>
    public LostFrames Lost => _lost;
    /// <summary>The audit trail of changes made through the API.</summary>
    public AuditLog Audit { get; } = new(store, system.Log);
    /// <summary>This node's data volumes against their marks (null: not watched).</summary>
    public Inspection.Actors.Storage.DiskGuard? Disk => disk;
}
