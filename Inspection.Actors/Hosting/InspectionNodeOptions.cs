namespace Inspection.Actors.Hosting;

/// <summary>
/// What one node of an Inspection cluster is: where it listens, whom it joins, what it runs, where it persists. Plain
/// values only: the host's settings (INSPECTION_* variables, options, the settings file) are read and checked there.
/// </summary>
public sealed record InspectionNodeOptions
{
    public const string DefaultSystemName = "inspection";
    public string SystemName { get; init; } = DefaultSystemName;
    public string Hostname { get; init; } = "127.0.0.1";
    /// <summary>0 picks a free port.</summary>
    public int Port { get; init; }
    /// <summary>akka.tcp://inspection@host:port addresses; empty = this node forms a new cluster alone.</summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];
    public IReadOnlyList<string> Roles { get; init; } = NodeConfigurationChecks.KnownRoles;
    public PersistenceBackend Persistence { get; init; } = PersistenceBackend.Sqlite;
    /// <summary>SQLite: a connection string or a file path; PostgreSQL: a connection string.</summary>
    public required string Database { get; init; }
    /// <summary>Device for shards on this node (cpu, cuda, cuda:N, auto).</summary>
    public string Device { get; init; } = "cpu";
    public TimeSpan ShardTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How long scorers on this node keep asking a shard that is not answering (restarting elsewhere) before frames fail.</summary>
    public TimeSpan ShardRetryBudget { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Scorers on this node ask replicas on this node first; false spreads their queries by load alone.</summary>
    public bool PreferLocalReplicas { get; init; } = true;
    /// <summary>
    /// Scorers on this node send remote replicas the encoded frames to extract there, where smaller than the features;
    /// false always sends features.
    /// </summary>
    public bool ShipFrames { get; init; } = true;
    /// <summary>Akka.Remote over TLS with the cluster's certificate; null: plain TCP.</summary>
    public ClusterTls? Tls { get; init; }
    /// <summary>The transport protocol of node addresses: akka.tcp, or akka.ssl.tcp with <see cref="Tls"/>.</summary>
    public string Protocol => Tls is null ? "akka.tcp" : ClusterTls.Protocol;
    /// <summary>This node's own address, as seeds name it.</summary>
    public string Address => $"{Protocol}://{SystemName}@{Hostname}:{Port}";
    /// <summary>Faults a factory simulation injects into this node's shards; null (production): none.</summary>
    public Shards.ShardFaults? ShardFaults { get; init; }
    public int BatchSize { get; init; } = 8;
    /// <summary>Most pixels of a tiled frame's anomaly map in its result (see <see cref="Extraction.ExtractionOptions.MaxMapPixels"/>).</summary>
    public long MaxMapPixels { get; init; } = new Extraction.ExtractionOptions().MaxMapPixels;
    public TimeSpan BatchDeadline { get; init; } = TimeSpan.FromMilliseconds(50);
    /// <summary>
    /// Where this node, if it scores frames (gpu role), keeps the images of the frames it scores for lines that ask
    /// for them (<see cref="Lines.LineOptions.Images"/>); null keeps none.
    /// </summary>
    public string? ResultImagesFolder { get; init; }
    /// <summary>
    /// How lines hosted on this node (ingest role) treat frames; their results are also stored in the result store
    /// (<see cref="Results.ResultStore"/>) for queries. Only lines reached through <see cref="Lines.LineRegion"/>.
    /// </summary>
    public Lines.LineOptions Lines { get; init; } = new();
    /// <summary>
    /// What an ingest node keeps of each line's results by default (a line's own settings override it), and how often
    /// it removes what is past it (<see cref="Results.RetentionActor"/>).
    /// </summary>
    public Results.Retention Retention { get; init; } = Results.Retention.Defaults;
    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>
    /// This node's data volumes against their high-water mark (above it a gpu node keeps no result images) and hard
    /// limit (above it the API refuses frames); null: not watched.
    /// </summary>
    public Storage.DiskGuard? Disk { get; init; }
    /// <summary>Settings for models trained on this node.</summary>
    public Engine.PatchCore.PatchCoreSettings Training { get; init; } = new();
}
