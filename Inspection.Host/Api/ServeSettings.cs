using Inspection.Actors.Hosting;

namespace Inspection.Host.Api;

/// <summary>
/// Everything <c>inspection serve</c> runs with, bound by Microsoft.Extensions.Configuration from (later wins) the
/// defaults here, an optional JSON settings file, INSPECTION_* environment variables and the command line; see
/// <see cref="ServeSettingKeys"/> for the names of each in every source.
/// </summary>
public sealed class ServeSettings
{
    /// <summary>host:port of the HTTP endpoint; unset: 127.0.0.1:8080 on api nodes, a free port (health and metrics only) on others.</summary>
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
    /// <summary>Akka TCP port; 0: a free one.</summary>
    public int Port { get; set; }
    /// <summary>PostgreSQL connection string; none: SQLite under <see cref="DataDir"/> (one machine only).</summary>
    public string? Postgres { get; set; }
    /// <summary>host:port of the MQTT broker lines publish their results to (lines with mqtt on); none: no MQTT.</summary>
    public string? Mqtt { get; set; }
    /// <summary>Read routes answer without an API key.</summary>
    public bool PublicRead { get; set; }
    public string Device { get; set; } = "cpu";
    /// <summary>torchvision-layout weights for lines whose backbone is wide_resnet50_2 (resnet18's are embedded).</summary>
    public string? BackboneWeights { get; set; }
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

    public Inspection.Actors.Hosting.ClusterTls? Tls => TlsCertificate is { Length: > 0 } file ? new(file, TlsPassword, TlsTrust) : null;

    public PersistenceBackend Persistence => string.IsNullOrWhiteSpace(Postgres) ? PersistenceBackend.Sqlite : PersistenceBackend.PostgreSql;

    public string Database => Persistence == PersistenceBackend.Sqlite ? Path.Combine(Path.GetFullPath(DataDir), "inspection.db") : Postgres!;

    public string HeatmapFolder => Path.Combine(Path.GetFullPath(DataDir), "results");

    public string UploadFolder => Path.Combine(Path.GetFullPath(DataDir), "uploads");
}
