namespace Inspection.Host.Api;

/// <summary>
/// One setting of <c>inspection serve</c> under its three names: the key in the JSON settings file (and in
/// Microsoft.Extensions.Configuration), the environment variable and the command-line flag. Lists are comma-separated
/// in the environment and repeated on the command line.
/// </summary>
public sealed record ServeSettingKey(string Key, string Environment, string Flag, bool List, string Description)
{
    public static readonly IReadOnlyList<ServeSettingKey> All =
    [
        new("Http", "INSPECTION_HTTP", "--http", false, "host:port of the HTTP API and dashboard (default 127.0.0.1:8080)"),
        new("DataDir", "INSPECTION_DATA_DIR", "--data-dir", false, "folder for the SQLite database, the generated API key and result images (default ./inspection-data)"),
        new("ApiKeys", "INSPECTION_API_KEYS", "--api-key", true, "accepted API keys; none: one is generated on first start and stored in the data folder"),
        new("FolderRoots", "INSPECTION_FOLDER_ROOTS", "--folder-root", true, "server folders training may read (symbolic links resolved); none: no server folder"),
        new("Roles", "INSPECTION_ROLES", "--roles", true, "api, ingest, gpu (default all three)"),
        new("Seeds", "INSPECTION_SEED_NODES", "--seed", true, "akka.tcp://inspection@host:port of the cluster's seed nodes (default: this node)"),
        new("Hostname", "INSPECTION_HOSTNAME", "--hostname", false, "address the cluster node binds and advertises (default 127.0.0.1)"),
        new("Port", "INSPECTION_PORT", "--port", false, "cluster TCP port (default: a free one)"),
        new("Postgres", "INSPECTION_POSTGRES", "--postgres", false, "PostgreSQL connection string: the journal every node of a cluster shares (default: SQLite in the data folder)"),
        new("Mqtt", "INSPECTION_MQTT", "--mqtt", false, "host:port of the MQTT broker that lines with mqtt on publish their results to (QoS 1)"),
        new("PublicRead", "INSPECTION_PUBLIC_READ", "--public-read", false, "read routes answer without an API key (true/false, default false)"),
        new("Device", "INSPECTION_DEVICE", "--device", false, "cpu, cuda, cuda:N or auto for this node's backbones and shards (default cpu)"),
        new("BackboneWeights", "INSPECTION_BACKBONE_WEIGHTS", "--backbone-weights", false, "weights file (.safetensors or .pth) for lines with the wide_resnet50_2 backbone"),
        new("MaxFrameBytes", "INSPECTION_MAX_FRAME_BYTES", "--max-frame-bytes", false, "largest frame body in bytes (default 33554432); larger: 413"),
        new("MaxUploadBytes", "INSPECTION_MAX_UPLOAD_BYTES", "--max-upload-bytes", false, "largest training or good-images upload in bytes (default 1073741824); larger: 413"),
        new("MaxPixels", "INSPECTION_MAX_PIXELS", "--max-pixels", false, "most pixels of one image (default 50000000); more: 413"),
        new("MaxInFlight", "INSPECTION_MAX_IN_FLIGHT", "--max-in-flight", false, "frames one line holds in flight (default 64); more: 503 with Retry-After"),
        new("TlsCertificate", "INSPECTION_TLS_CERTIFICATE", "--tls-certificate", false, "PKCS#12 file of the cluster's certificate: Akka.Remote over mutually authenticated TLS, nodes without it refused (default: plain TCP)"),
        new("TlsPassword", "INSPECTION_TLS_PASSWORD", "--tls-password", false, "password of the TLS certificate file (prefer the environment or the settings file to the command line)"),
        new("TlsTrust", "INSPECTION_TLS_TRUST", "--tls-trust", true, "thumbprints of other nodes' certificates to accept besides this node's own"),
        new("FrameDeadlineSeconds", "INSPECTION_FRAME_DEADLINE", "--frame-deadline", false, "seconds after which a frame without a result is failed explicitly (default 30)"),
    ];

    /// <summary>The JSON settings file itself: only from the command line or the environment.</summary>
    public static readonly ServeSettingKey SettingsFile = new("", "INSPECTION_SETTINGS", "--settings", false, "JSON file of the settings above, by key");
}
