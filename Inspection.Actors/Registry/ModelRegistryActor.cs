using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;
using Inspection.Actors.Messages;
using Inspection.Actors.Scoring;
using Inspection.Actors.Shards;

namespace Inspection.Actors.Registry;

/// <summary>
/// Which lines exist and which model version each serves (one per cluster, as a singleton). Every change is persisted
/// before it is acknowledged, and published on <see cref="Topic"/> so scorers switch versions; the registry, and with it
/// every line's model, comes back after a full cluster restart.
/// <para>
/// It keeps each line's versions too, folded from the activations in its journal: the
/// <see cref="LineSettings.VersionsKept"/> most recently served (the active one always among them) stay ready to be
/// activated again; an older one is dropped (<see cref="VersionsDropped"/>) and its shards' journals are deleted (<see cref="ShardJournalEraser"/>).
/// </para>
/// </summary>
public sealed class ModelRegistryActor : ReceivePersistentActor
{
    public const string Topic = "deployments";
    private readonly Dictionary<string, ModelDeployment?> _lines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _versionsIssued = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LineSettings> _settings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ThresholdSet>> _thresholds = new(StringComparer.Ordinal);
    // Kept versions per line, least recently served first, each as last activated (its own calibrated threshold).
    private readonly Dictionary<string, List<ModelDeployment>> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Version, double Sample)> _shadows = new(StringComparer.Ordinal);
    private string? _stamp;

    public override string PersistenceId => "model-registry";

    public ModelRegistryActor()
    {
        Recover<LineAdded>(e => _lines.TryAdd(e.Line, null));
        Recover<ActivateModel>(e =>
        {
            Keep(e.Deployment);
            Apply(e.Deployment);
        });
        Recover<VersionsDropped>(Forget);
        Recover<ShadowSet>(e => Apply(e));
        Recover<VersionName>(e => _versionsIssued[e.Line] = Math.Max(_versionsIssued.GetValueOrDefault(e.Line), VersionName.Number(e.Version)));
        Recover<LineConfigured>(Apply);
        Recover<LineDeleted>(Apply);
        Recover<ThresholdSet>(e => Apply(e));
        Recover<JournalStamp>(e => _stamp = e.Id);
        // A journal without a stamp (new, or written before stamps) gets one, before the commands that wait for it.
        Recover<RecoveryCompleted>(_ => { if (_stamp == null) Self.Tell(new StampJournal()); });
        Command<StampJournal>(_ => Stamp(null));
        Command<GetJournalStamp>(_ => Stamp(Sender));

        Command<RegisterLine>(c =>
        {
            if (_lines.ContainsKey(c.Line)) { Sender.Tell(new LineRegistered(c.Line)); return; }
            Persist(new LineAdded(c.Line), e => { _lines.TryAdd(e.Line, null); Sender.Tell(new LineRegistered(e.Line)); });
        });
        Command<NextVersion>(c =>
        {
            // Issued names are persisted too, so a failed training never reuses a version whose shards may exist.
            var name = new VersionName(c.Line, $"v{_versionsIssued.GetValueOrDefault(c.Line) + 1}");
            Persist(name, e => { _versionsIssued[e.Line] = VersionName.Number(e.Version); Sender.Tell(e); });
        });
        Command<ActivateModel>(c => Persist(c, e =>
        {
            Keep(e.Deployment);
            var deployed = Apply(e.Deployment);
            Publish(new DeploymentChanged(deployed));
            Sender.Tell(new ModelActivated(e.Deployment.Line, e.Deployment.Version));
            DropBeyondKept(e.Deployment.Line);
        }));
        Command<ConfigureLine>(c => Persist(new LineConfigured(c.Line, c.Settings), e =>
        {
            Apply(e);
            Publish(e);
            Sender.Tell(e);
            DropBeyondKept(e.Line);
        }));
        Command<DeleteLine>(c =>
        {
            if (!_lines.ContainsKey(c.Line)) { Sender.Tell(new LineDeleted(c.Line, false)); return; }
            var versions = _versions.GetValueOrDefault(c.Line) ?? [];
            Persist(new LineDeleted(c.Line, true), e =>
            {
                Apply(e);
                Publish(e);
                Sender.Tell(e);
                // A deleted line's banks are never served again.
                foreach (var d in versions) Erase(d.Line, d.Version, d.ShardCount);
            });
        });
        Command<GetModels>(q =>
        {
            var active = _lines.GetValueOrDefault(q.Line);
            Sender.Tell(new ModelVersions(q.Line, _lines.ContainsKey(q.Line), active?.Version, _versions.TryGetValue(q.Line, out var kept) ? kept.ToList() : [],
                active?.Shadow?.Version, active?.ShadowSample ?? 0));
        });
        Command<SetShadow>(c =>
        {
            if (ShadowProblem(c) is { } reason)
            {
                Sender.Tell(new ShadowRefused(c.Line, reason));
                return;
            }
            Persist(new ShadowSet(c.Line, c.Version, c.Sample, c.By, DateTimeOffset.UtcNow), e =>
            {
                if (Apply(e) is { } changed) Publish(new DeploymentChanged(changed));
                Sender.Tell(e);
            });
        });
        Command<SetThreshold>(c =>
        {
            if (!_lines.TryGetValue(c.Line, out var d) || d is null)
            {
                Sender.Tell(new NoDeployment(c.Line, _lines.ContainsKey(c.Line), d is null && _lines.ContainsKey(c.Line)
                    ? $"line '{c.Line}' has no trained model yet" : $"unknown line '{c.Line}'"));
                return;
            }
            Persist(new ThresholdSet(c.Line, c.Score, c.By, DateTimeOffset.UtcNow), e =>
            {
                var changed = Apply(e);
                if (changed != null) Publish(new DeploymentChanged(changed));
                Sender.Tell(e);
            });
        });
        Command<GetLine>(q => Sender.Tell(new LineDetails(q.Line, _lines.ContainsKey(q.Line), _settings.GetValueOrDefault(q.Line) ?? LineSettings.Default,
            _lines.GetValueOrDefault(q.Line), _thresholds.TryGetValue(q.Line, out var t) ? t.ToList() : [])));
        Command<GetDeployment>(q => Sender.Tell(_lines.TryGetValue(q.Line, out var d)
            ? d is null ? new NoDeployment(q.Line, true, $"line '{q.Line}' has no trained model yet") : d
            : new NoDeployment(q.Line, false, $"unknown line '{q.Line}'")));
        Command<ListLines>(_ => Sender.Tell(new LineList(_lines.OrderBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => new LineSummary(l.Key, l.Value?.Version, l.Value?.ShardCount ?? 0, l.Value?.BankSize ?? 0, l.Value?.ImageThreshold ?? float.NaN))
            .ToList())));
    }

    /// <summary>A new version brings its calibrated threshold, unless the line's policy keeps the operator's.</summary>
    private ModelDeployment Apply(ModelDeployment deployment)
    {
        // The shadow promoted: it is the line's model now, and no longer a shadow.
        if (_shadows.TryGetValue(deployment.Line, out var shadow) && shadow.Version == deployment.Version) _shadows.Remove(deployment.Line);
        return _lines[deployment.Line] = WithShadow(Policy(deployment with { Shadow = null, ShadowSample = 0 }));
    }

    /// <summary>The deployment with the threshold the line's policy gives it: a manual line keeps the operator's last one.</summary>
    private ModelDeployment Policy(ModelDeployment deployment) =>
        _settings.GetValueOrDefault(deployment.Line)?.Policy == LineSettings.ManualPolicy && _thresholds.TryGetValue(deployment.Line, out var set) && set.Count > 0
            ? deployment with { ImageThreshold = set[^1].Score, ThresholdMethod = SetBy(set[^1]) }
            : deployment;

    /// <summary>The active deployment with the line's shadow, if it has one (and still keeps it).</summary>
    private ModelDeployment WithShadow(ModelDeployment active)
    {
        if (!_shadows.TryGetValue(active.Line, out var shadow)
            || _versions.GetValueOrDefault(active.Line)?.FirstOrDefault(v => v.Version == shadow.Version) is not { } kept)
            return active with { Shadow = null, ShadowSample = 0 };
        return active with { Shadow = Policy(kept with { Shadow = null, ShadowSample = 0 }), ShadowSample = shadow.Sample };
    }

    /// <summary>A shadow set or ended; the active deployment with it, to publish (null: the line has no model).</summary>
    private ModelDeployment? Apply(ShadowSet e)
    {
        if (e.Version is null) _shadows.Remove(e.Line);
        else _shadows[e.Line] = (e.Version, e.Sample);
        return _lines.GetValueOrDefault(e.Line) is { } d ? _lines[e.Line] = WithShadow(d) : null;
    }

    /// <summary>Why the shadow cannot be set, or null.</summary>
    private string? ShadowProblem(SetShadow c)
    {
        if (!_lines.TryGetValue(c.Line, out var active)) return $"unknown line '{c.Line}'";
        if (c.Version is null) return null;
        if (active is null) return $"line '{c.Line}' has no trained model yet: a shadow scores beside the active version";
        if (!(c.Sample > 0 && c.Sample <= 1)) return $"sample {c.Sample} is out of range: above 0, at most 1 (the share of frames the shadow scores)";
        if (c.Version == active.Version) return $"{c.Version} is the active version of line '{c.Line}'; a shadow is another kept version";
        var kept = _versions.GetValueOrDefault(c.Line) ?? [];
        return kept.Any(v => v.Version == c.Version) ? null
            : $"line '{c.Line}' does not keep version {c.Version}; it keeps {string.Join(", ", kept.Select(v => v.Version))}";
    }

    private void Apply(LineConfigured e)
    {
        _lines.TryAdd(e.Line, null);
        _settings[e.Line] = e.Settings;
    }

    /// <summary>
    /// The version joins the line's kept versions as the most recently served; one activated again (a rollback, or
    /// other replicas) moves there, so the version an operator went back to outlives the one that was rolled back.
    /// </summary>
    private void Keep(ModelDeployment d)
    {
        if (!_versions.TryGetValue(d.Line, out var kept)) _versions[d.Line] = kept = [];
        kept.RemoveAll(k => k.Version == d.Version);
        kept.Add(d with { Shadow = null, ShadowSample = 0 });
    }

    /// <summary>Drops the least recently served versions beyond the line's limit (never the active one or its shadow), and deletes their shard journals.</summary>
    private void DropBeyondKept(string line)
    {
        if (!_versions.TryGetValue(line, out var kept)) return;
        int excess = kept.Count - (_settings.GetValueOrDefault(line) ?? LineSettings.Default).VersionsKept;
        string? active = _lines.GetValueOrDefault(line)?.Version, shadow = _lines.GetValueOrDefault(line)?.Shadow?.Version;
        var drop = kept.Where(d => d.Version != active && d.Version != shadow).Take(Math.Max(0, excess)).ToList();
        if (drop.Count == 0) return;
        Persist(new VersionsDropped(line, drop.Select(d => d.Version).ToList(), drop.Select(d => d.ShardCount).ToList()), e =>
        {
            Forget(e);
            for (int i = 0; i < e.Versions.Count; i++) Erase(e.Line, e.Versions[i], e.ShardCounts[i]);
        });
    }

    private void Forget(VersionsDropped e)
    {
        if (_versions.TryGetValue(e.Line, out var kept)) kept.RemoveAll(d => e.Versions.Contains(d.Version));
    }

    /// <summary>Deletes the journal of every shard of a version (its replicas share it), each by an eraser of its own.</summary>
    private void Erase(string line, string version, int shards)
    {
        for (int s = 0; s < shards; s++)
            Context.ActorOf(ShardJournalEraser.Props(new ShardKey(line, version, s).PersistenceId));
        Context.GetLogger().Info("Line {0}: version {1} is no longer kept; the journals of its {2} shard(s) are deleted", line, version, shards);
    }

    private void Apply(LineDeleted e)
    {
        _lines.Remove(e.Line);
        _versions.Remove(e.Line);
        _shadows.Remove(e.Line);
        _settings.Remove(e.Line);
        _thresholds.Remove(e.Line);
    }

    /// <summary>The operator's threshold replaces the current model's (the model's own stays in its file and shards).</summary>
    private ModelDeployment? Apply(ThresholdSet e)
    {
        if (!_thresholds.TryGetValue(e.Line, out var list)) _thresholds[e.Line] = list = [];
        list.Add(e);
        if (_lines.GetValueOrDefault(e.Line) is not { } d) return null;
        return _lines[e.Line] = WithShadow(d with { ImageThreshold = e.Score, ThresholdMethod = SetBy(e) });
    }

    private static string SetBy(ThresholdSet e) => $"set by {e.By} at {e.At:yyyy-MM-dd HH:mm:ss} UTC";

    /// <summary>Writes the journal's stamp if it has none yet (Persist holds later commands until it is stored), then answers.</summary>
    private void Stamp(IActorRef? replyTo)
    {
        if (_stamp != null)
        {
            replyTo?.Tell(new JournalStamp(_stamp));
            return;
        }
        Persist(new JournalStamp(Guid.NewGuid().ToString("N")), e =>
        {
            _stamp = e.Id;
            replyTo?.Tell(e);
        });
    }

    private sealed record StampJournal;

    private static void Publish(object message)
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Publish(Topic, message));
    }


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
