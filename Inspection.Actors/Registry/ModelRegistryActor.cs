using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Persistence;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Registry;

/// <summary>
/// Which lines exist and which model version each serves (one per cluster, as a singleton). Every change is persisted
/// before it is acknowledged, and published on <see cref="Topic"/> so scorers switch versions; the registry, and with it
/// every line's model, comes back after a full cluster restart.
/// </summary>
public sealed class ModelRegistryActor : ReceivePersistentActor
{
    public const string Topic = "deployments";
    private readonly Dictionary<string, ModelDeployment?> _lines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _versionsIssued = new(StringComparer.Ordinal);

    public override string PersistenceId => "model-registry";

    public ModelRegistryActor()
    {
        Recover<LineAdded>(e => _lines.TryAdd(e.Line, null));
        Recover<ActivateModel>(e => Apply(e.Deployment));
        Recover<VersionName>(e => _versionsIssued[e.Line] = Math.Max(_versionsIssued.GetValueOrDefault(e.Line), Number(e.Version)));

        Command<RegisterLine>(c =>
        {
            if (_lines.ContainsKey(c.Line)) { Sender.Tell(new LineRegistered(c.Line)); return; }
            Persist(new LineAdded(c.Line), e => { _lines.TryAdd(e.Line, null); Sender.Tell(new LineRegistered(e.Line)); });
        });
        Command<NextVersion>(c =>
        {
            // Issued names are persisted too, so a failed training never reuses a version whose shards may exist.
            var name = new VersionName(c.Line, $"v{_versionsIssued.GetValueOrDefault(c.Line) + 1}");
            Persist(name, e => { _versionsIssued[e.Line] = Number(e.Version); Sender.Tell(e); });
        });
        Command<ActivateModel>(c => Persist(c, e =>
        {
            Apply(e.Deployment);
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Publish(Topic, new DeploymentChanged(e.Deployment)));
            Sender.Tell(new ModelActivated(e.Deployment.Line, e.Deployment.Version));
        }));
        Command<GetDeployment>(q => Sender.Tell(_lines.TryGetValue(q.Line, out var d)
            ? d is null ? new NoDeployment(q.Line, true, $"line '{q.Line}' has no trained model yet") : d
            : new NoDeployment(q.Line, false, $"unknown line '{q.Line}'")));
        Command<ListLines>(_ => Sender.Tell(new LineList(_lines.OrderBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => new LineSummary(l.Key, l.Value?.Version, l.Value?.ShardCount ?? 0, l.Value?.BankSize ?? 0, l.Value?.ImageThreshold ?? float.NaN))
            .ToList())));
    }

    private void Apply(ModelDeployment deployment) => _lines[deployment.Line] = deployment;

    private static int Number(string version) => int.TryParse(version.TrimStart('v'), out var n) ? n : 0;

    public static Props Props() => Akka.Actor.Props.Create(() => new ModelRegistryActor());
}

/// <summary>Registry key of the model registry singleton proxy.</summary>
public sealed class ModelRegistry;

public static class ModelRegistryHosting
{
    /// <summary>The registry as a cluster singleton (on the oldest node), with a proxy on every node.</summary>
    public static Akka.Hosting.AkkaConfigurationBuilder WithModelRegistry(this Akka.Hosting.AkkaConfigurationBuilder builder) =>
        Akka.Cluster.Hosting.AkkaClusterHostingExtensions.WithSingleton<ModelRegistry>(builder, "model-registry", ModelRegistryActor.Props(),
            new Akka.Cluster.Hosting.ClusterSingletonOptions(), createProxyToo: true);
}
