using Inspection.Actors.Hosting;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using Inspection.Engine.Search;

namespace Inspection.Host.Api;

/// <summary>
/// Everything a node (<c>inspection serve</c>, <c>inspection node</c>) runs with, bound by
/// Microsoft.Extensions.Configuration from (later wins) the defaults here, an optional JSON settings file, INSPECTION_*
/// environment variables and the command line (<see cref="ServeConfiguration"/>), and checked there; see
/// <see cref="ServeSettingKey"/> for the names of each in every source.
/// </summary>
public sealed class ServeSettings
{
    /// <summary>host:port of the HTTP endpoint; unset: the command's default (<see cref="Cli.ServeCommand"/>).</summary>
    public string? Http { get; set; }
    /// <summary>SQLite database, generated API key and result images go here.</summary>
    public string DataDir { get; set; } = "inspection-data";
    public string[] ApiKeys { get; set; } = [];
    /// <summary>Server folders that training may read; a folder outside them (symbolic links resolved) is refused.</summary>
    public string[] FolderRoots { get; set; } = [];
    /// <summary>Unset: every role (ServeConfiguration fills it in; a list default would be appended to by the binder).</summary>
    public string[] Roles { get; set; } = [];
    /// <summary>akka.tcp://inspection@host:port; none: this node is its own seed.</summary>
    public string[] Seeds { get; set; } = [];
    /// <summary>Address the Akka node binds and advertises.</summary>
    public string Hostname { get; set; } = "127.0.0.1";
    /// <summary>Akka TCP port; 0: a free one (ServeConfiguration picks it, so that the checks try the port the node will use).</summary>
    public int Port { get; set; }
    /// <summary>SQLite file or connection string; none: inspection.db under <see cref="DataDir"/>.</summary>
    public string? Sqlite { get; set; }
    /// <summary>PostgreSQL connection string; none: SQLite (one machine only).</summary>
    public string? Postgres { get; set; }
    /// <summary>host:port of the MQTT broker lines publish their results to (lines with mqtt on); none: no MQTT.</summary>
    public string? Mqtt { get; set; }
    /// <summary>host:port the Modbus TCP server of the PLC handshake listens on (<see cref="Actors.Plc.PlcActor"/>); none: no Modbus server.</summary>
    public string? Plc { get; set; }
    /// <summary>Parts are triggered over MQTT too (inspection/{line}/{camera}/trigger on the <see cref="Mqtt"/> broker), their verdicts published.</summary>
    public bool MqttTriggers { get; set; }
    /// <summary>Milliseconds from a PLC's trigger to the verdict; a part without one by then gets the <see cref="NoVerdict"/> verdict.</summary>
    public double PartDeadlineMs { get; set; } = 300;
    /// <summary>Parts a camera may have pending at once before a trigger is refused (<see cref="Actors.Plc.PlcOptions.MaxPending"/>).</summary>
    public int PlcMaxPending { get; set; } = 4;
    /// <summary>ng or hold: what a part without a verdict in time (or with a failed frame) is to the PLC.</summary>
    public string NoVerdict { get; set; } = "ng";
    /// <summary>Read routes answer without an API key.</summary>
    public bool PublicRead { get; set; }
    public string Device { get; set; } = "cpu";
    public long MaxFrameBytes { get; set; } = 32L << 20;
    public long MaxUploadBytes { get; set; } = 1L << 30;
    public long MaxPixels { get; set; } = 50_000_000;
    /// <summary>Frames a line holds in flight; beyond it frames are refused with 503.</summary>
    public int MaxInFlight { get; set; } = 64;
    /// <summary>A frame without a result after this many seconds is failed explicitly.</summary>
    public double FrameDeadlineSeconds { get; set; } = 30;
    /// <summary>PKCS#12 file of the cluster's certificate: Akka.Remote runs over TLS, mutually authenticated; none: plain TCP.</summary>
    public string? TlsCertificate { get; set; }
    public string? TlsPassword { get; set; }
    /// <summary>Thumbprints of further certificates whose nodes are accepted (per-node certificates), besides this node's own.</summary>
    public string[] TlsTrust { get; set; } = [];

    /// <summary>line=folder: lines this node trains once it has joined the cluster.</summary>
    public string[] Train { get; set; } = [];
    /// <summary>line=source: cameras of lines run on this node (folders, video files, streams: <see cref="Actors.Cameras.CameraSources"/>).</summary>
    public string[] Camera { get; set; } = [];
    /// <summary>Camera files with their result move to done/ in their folder.</summary>
    public bool MoveDone { get; set; }
    /// <summary>Where a gpu node keeps the images of the frames it scores, for lines that ask; none: under <see cref="DataDir"/>.</summary>
    public string? Heatmaps { get; set; }
    /// <summary>Retention's defaults for lines without their own (<see cref="Actors.Results.Retention"/>).</summary>
    public double KeepDays { get; set; } = Actors.Results.Retention.Defaults.Keep.TotalDays;
    public double KeepFlaggedDays { get; set; } = Actors.Results.Retention.Defaults.KeepFlagged.TotalDays;
    public long KeepMegabytes { get; set; } = Actors.Results.Retention.Defaults.MaxBytes >> 20;
    /// <summary>Days the audit trail keeps each change.</summary>
    public double KeepAuditDays { get; set; } = Actors.Results.Retention.Defaults.AuditKept.TotalDays;
    public double RetentionIntervalSeconds { get; set; } = 60;
    /// <summary>Percent of a data volume used above which result images are not kept, and above which frames are refused.</summary>
    public double DiskHighWaterPercent { get; set; } = 90;
    public double DiskHardLimitPercent { get; set; } = 97;

    /// <summary>The retention defaults these settings give (checked by <see cref="ServeSettingsCheck"/>).</summary>
    public Actors.Results.Retention Retention => new(TimeSpan.FromDays(KeepDays), TimeSpan.FromDays(KeepFlaggedDays), KeepMegabytes << 20, TimeSpan.FromDays(KeepAuditDays));

    /// <summary>Seconds the node serves (after training at start) before it stops; none: until stopped.</summary>
    public double? RunSeconds { get; set; }

    // Training: the settings of lines trained on this node without settings of their own, and this node's batches.
    public string Backbone { get; set; } = Engine.Backbones.BackboneFactory.ResNet18;
    /// <summary>torchvision-layout weights for lines whose backbone is wide_resnet50_2 (resnet18's are embedded).</summary>
    public string? BackboneWeights { get; set; }
    /// <summary>Unset: PatchCore's default layers (a list default would be appended to by the binder).</summary>
    public string[] Layers { get; set; } = [];
    /// <summary>256, HxW or auto[:PIXELS] (<see cref="ImageSizeChoice"/>).</summary>
    public string ImageSize { get; set; } = "256";
    public string Precision { get; set; } = ComputePrecision.Float32;
    public string? KnnPrecision { get; set; }
    public double CoresetRatio { get; set; } = 0.1;
    public int TrainingSeed { get; set; }
    public int? ProjectionDims { get; set; }
    public int MinTrainImages { get; set; } = 1;
    public bool HoldoutOutsideBank { get; set; }
    public int BatchSize { get; set; } = 8;
    public int KnnBudgetMb { get; set; } = (int)(NearestNeighbourSearch.DefaultBudgetBytes >> 20);
    public bool Verbose { get; set; }

    public Inspection.Actors.Hosting.ClusterTls? Tls => TlsCertificate is { Length: > 0 } file ? new(file, TlsPassword, TlsTrust) : null;

    public PersistenceBackend Persistence => string.IsNullOrWhiteSpace(Postgres) ? PersistenceBackend.Sqlite : PersistenceBackend.PostgreSql;

    public string Database => Persistence == PersistenceBackend.PostgreSql ? Postgres!
        : Sqlite ?? Path.Combine(Path.GetFullPath(DataDir), "inspection.db");

    /// <summary>Where result images go when the node has HTTP.</summary>
    public string HeatmapFolder => Path.GetFullPath(Heatmaps ?? Path.Combine(DataDir, "results"));

    public string UploadFolder => Path.Combine(Path.GetFullPath(DataDir), "uploads");

    /// <summary>The <see cref="Train"/> pairs (checked by ServeConfiguration).</summary>
    public IReadOnlyList<(string Line, string Folder)> TrainLines => [.. Train.Select(LineFolder)];

    /// <summary>The <see cref="Camera"/> pairs (checked by ServeConfiguration).</summary>
    public IReadOnlyList<(string Line, string Folder)> Cameras => [.. Camera.Select(LineFolder)];

    /// <summary>line=folder as its two parts; null when it is not that.</summary>
    public static (string Line, string Folder)? TryLineFolder(string value)
    {
        int eq = value.IndexOf('=');
        return eq <= 0 || eq == value.Length - 1 ? null : (value[..eq], value[(eq + 1)..]);
    }

    private static (string Line, string Folder) LineFolder(string value) => TryLineFolder(value) ?? throw new ArgumentException($"expected line=folder, got '{value}'");

    /// <summary>The training settings of this node (its image size checked by ServeConfiguration).</summary>
    public PatchCoreSettings Training
    {
        get
        {
            var size = ImageSizeChoice.TryParse(ImageSize, out _) ?? new ImageSizeChoice(256, null);
            return new PatchCoreSettings
            {
                Backbone = Backbone, BackboneWeights = BackboneWeights, Layers = Layers.Length > 0 ? Layers : new PatchCoreSettings().Layers, ImageSize = size.Size, AutoImagePixels = size.AutoPixels,
                Precision = Precision, KnnPrecision = KnnPrecision, CoresetRatio = CoresetRatio, Seed = TrainingSeed, ProjectionDimensions = ProjectionDims,
                MinTrainingImages = MinTrainImages, BankIncludesHoldout = !HoldoutOutsideBank, BatchSize = BatchSize, KnnBudgetBytes = (long)KnnBudgetMb << 20,
            };
        }
    }
}
