namespace Inspection.Actors.Messages;

// The model registry: which lines exist and which model version each serves. Persisted; survives a full restart.

/// <summary>Make <see cref="Deployment"/> the line's current model (after all its shards are stored).</summary>
public sealed record ActivateModel(ModelDeployment Deployment) : ICommand;

public sealed record ModelActivated(string Line, string Version) : IEvent;

/// <summary>Declare a line before it has a model (cameras may start sending; frames fail with "not trained").</summary>
public sealed record RegisterLine(string Line) : ICommand;

public sealed record LineRegistered(string Line) : IEvent;

public sealed record GetDeployment(string Line) : IQuery;

/// <summary>Reply to <see cref="GetDeployment"/> when there is no deployment: Known says whether the line exists.</summary>
public sealed record NoDeployment(string Line, bool Known, string Reason) : IAnswer;

public sealed record ListLines : IQuery;

public sealed record LineSummary(string Line, string? Version, int ShardCount, long BankSize, float ImageThreshold) : IAnswer;

public sealed record LineList(IReadOnlyList<LineSummary> Lines) : IAnswer;

/// <summary>Next free version name for a line (v1, v2, ...).</summary>
public sealed record NextVersion(string Line) : ICommand;

public sealed record VersionName(string Line, string Version) : IEvent
{
    /// <summary>The number of a version name the registry issued (v1, v2, ...), in the order versions were made; 0 for another name.</summary>
    public static int Number(string version) => int.TryParse(version.TrimStart('v'), out int n) ? n : 0;
}

/// <summary>The versions a line keeps (<see cref="ModelVersions"/>).</summary>
public sealed record GetModels(string Line) : IQuery;

/// <summary>
/// Every version a line keeps, the least recently served first, each as it was last activated with its own calibrated
/// threshold (the line's current threshold is the active deployment's); Active names the one serving, Shadow the one
/// shadowing it on ShadowSample of its frames (null: none). Known false: no such line.
/// </summary>
public sealed record ModelVersions(string Line, bool Known, string? Active, IReadOnlyList<ModelDeployment> Versions, string? Shadow = null, double ShadowSample = 0) : IAnswer;

/// <summary>
/// Persisted when a line keeps more versions than its settings allow (<see cref="LineSettings.VersionsKept"/>): these
/// are no longer kept, and their shard journals are deleted (ShardCounts: how many shards each had).
/// </summary>
public sealed record VersionsDropped(string Line, IReadOnlyList<string> Versions, IReadOnlyList<int> ShardCounts) : IEvent;

/// <summary>Published on the "deployments" topic whenever a line switches model.</summary>
public sealed record DeploymentChanged(ModelDeployment Deployment) : IEvent;

/// <summary>Persisted registry events.</summary>
public sealed record LineAdded(string Line) : IEvent;

/// <summary>Asks the registry for the stamp of the journal it lives in.</summary>
public sealed record GetJournalStamp : IQuery;

/// <summary>
/// The identity of a cluster's journal: written once by the registry into the journal it uses, so a node can tell
/// whether its own journal is the same database (it finds the same stamp there) or another one.
/// </summary>
public sealed record JournalStamp(string Id) : IAnswer;

/// <summary>
/// Make a kept version the line's shadow, scoring Sample (above 0, at most 1) of its frames beside the active one;
/// Version null ends the shadow. Replied to with <see cref="ShadowSet"/> (persisted) or <see cref="ShadowRefused"/>.
/// </summary>
public sealed record SetShadow(string Line, string? Version, double Sample, string By) : ICommand;

public sealed record ShadowSet(string Line, string? Version, double Sample, string By, DateTimeOffset At) : IEvent;

/// <summary>Why a shadow cannot be set (an unknown line or version, the active version, features that differ).</summary>
public sealed record ShadowRefused(string Line, string Reason) : IAnswer;
