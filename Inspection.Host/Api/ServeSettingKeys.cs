namespace Inspection.Host.Api;

/// <summary>
/// One setting of a node (<c>inspection serve</c>, and <c>inspection node</c>, its alias) under its three names: the key
/// in the JSON settings file (and in Microsoft.Extensions.Configuration), the environment variable and the command-line
/// flag. Lists are comma-separated in the environment and repeated on the command line. A switch is a flag without a
/// value (true/false in the file and the environment).
/// </summary>
/// <param name="NodeFlag">
/// The flag as <c>inspection node</c> spells it, where that differs: node had <c>--seed</c> for the projection seed
/// and <c>--seed-node</c> for the cluster's seeds, and its scripts keep working.
/// </param>
public sealed record ServeSettingKey(string Key, string Environment, string Flag, string Description, bool List = false, bool Switch = false, string? NodeFlag = null)
{
    public static readonly IReadOnlyList<ServeSettingKey> All =
    [
        // The HTTP API.
        new("Http", "INSPECTION_HTTP", "--http", "host:port of the HTTP API and dashboard (serve's default 127.0.0.1:8080; without the api role a free port for health and metrics; node: no HTTP unless given)"),
        new("DataDir", "INSPECTION_DATA_DIR", "--data-dir", "folder for the SQLite database, the generated API key and result images (default ./inspection-data)"),
        new("ApiKeys", "INSPECTION_API_KEYS", "--api-key", "accepted API keys, each KEY or NAME=KEY (the name the audit trail records; else key-<digest start>); none: one is generated on first start and stored in the data folder", List: true),
        new("FolderRoots", "INSPECTION_FOLDER_ROOTS", "--folder-root", "server folders training may read (symbolic links resolved); none: no server folder", List: true),
        new("PublicRead", "INSPECTION_PUBLIC_READ", "--public-read", "read routes answer without an API key (true/false, default false)", Switch: true),
        new("MaxFrameBytes", "INSPECTION_MAX_FRAME_BYTES", "--max-frame-bytes", "largest frame body in bytes (default 33554432); larger: 413"),
        new("MaxUploadBytes", "INSPECTION_MAX_UPLOAD_BYTES", "--max-upload-bytes", "largest training or good-images upload in bytes (default 1073741824); larger: 413"),
        new("MaxPixels", "INSPECTION_MAX_PIXELS", "--max-pixels", "most pixels of one image (default 50000000); more: 413"),
        // The cluster node.
        new("Roles", "INSPECTION_ROLES", "--roles", "api, ingest, gpu (default all three)", List: true),
        new("Seeds", "INSPECTION_SEED_NODES", "--seed", "seed nodes of the cluster, akka.tcp://inspection@host:port (akka.ssl.tcp:// with TLS; default: this node)", List: true, NodeFlag: "--seed-node"),
        new("Hostname", "INSPECTION_HOSTNAME", "--hostname", "address the cluster node binds and advertises (default 127.0.0.1)"),
        new("Port", "INSPECTION_PORT", "--port", "cluster TCP port (default: a free one)"),
        new("TlsCertificate", "INSPECTION_TLS_CERTIFICATE", "--tls-certificate", "PKCS#12 file of the cluster's certificate: Akka.Remote over mutually authenticated TLS, nodes without it refused (default: plain TCP)"),
        new("TlsPassword", "INSPECTION_TLS_PASSWORD", "--tls-password", "password of the TLS certificate file (prefer the environment or the settings file to the command line)"),
        new("TlsTrust", "INSPECTION_TLS_TRUST", "--tls-trust", "thumbprints of other nodes' certificates to accept besides this node's own", List: true),
        new("Sqlite", "INSPECTION_DB", "--db", "SQLite database file, for nodes on one machine (default: inspection.db in the data folder)"),
        new("Postgres", "INSPECTION_POSTGRES", "--postgres", "PostgreSQL connection string: the journal every node of a cluster shares (default: SQLite)"),
        new("Device", "INSPECTION_DEVICE", "--device", "cpu, cuda, cuda:N or auto for this node's backbones and shards (default cpu)"),
        // Lines, cameras and results on this node.
        new("Train", "INSPECTION_TRAIN", "--train", "line=folder: train (or retrain) a line from an MVTec-layout folder once this node has joined the cluster (needs the gpu role)", List: true),
        new("Camera", "INSPECTION_CAMERA", "--camera", "line=source: a camera of that line: an existing folder it watches, a video file it plays, an rtsp://, http:// (MJPEG) or https:// stream it reads through FFmpeg, or a gige:// GigE Vision camera", List: true),
        new("MoveDone", "INSPECTION_MOVE_DONE", "--move-done", "move each camera file that has its result into a done/ folder inside the camera's folder", Switch: true),
        new("Heatmaps", "INSPECTION_HEATMAPS", "--heatmaps", "folder where a gpu node keeps the images (frame, map, overlays) of the frames it scores for lines that ask: with HTTP, or without it only with this option (default: results/ in the data folder)"),
        new("Mqtt", "INSPECTION_MQTT", "--mqtt", "host:port of the MQTT broker that lines with mqtt on publish their results to (QoS 1)"),
        new("Plc", "INSPECTION_PLC", "--plc", "host:port the PLC handshake's Modbus TCP server listens on: each camera that takes triggers (not a folder) gets a block of 16 registers, in --camera order (README: PLC handshake)"),
        new("MqttTriggers", "INSPECTION_MQTT_TRIGGERS", "--mqtt-triggers", "parts are triggered over MQTT too: inspection/{line}/{camera}/trigger on the --mqtt broker, verdicts on .../verdict", Switch: true),
        new("PartDeadlineMs", "INSPECTION_PART_DEADLINE_MS", "--part-deadline-ms", "milliseconds from a PLC's trigger to its verdict; a part without one by then gets the no-verdict verdict (default 300)"),
        new("PlcMaxPending", "INSPECTION_PLC_MAX_PENDING", "--plc-max-pending", "parts a camera may have pending at once (triggered, no verdict yet) before a trigger is refused (1 to 64, default 4)"),
        new("NoVerdict", "INSPECTION_NO_VERDICT", "--no-verdict", "ng or hold: the verdict of a part with no result by its deadline or a failed frame (default ng)"),
        new("MaxInFlight", "INSPECTION_MAX_IN_FLIGHT", "--max-in-flight", "frames one line holds in flight (default 64); more: 503 with Retry-After"),
        new("FrameDeadlineSeconds", "INSPECTION_FRAME_DEADLINE", "--frame-deadline", "seconds after which a frame without a result is failed explicitly (default 30)"),
        new("KeepDays", "INSPECTION_KEEP_DAYS", "--keep-days", "days a line keeps its passing results and their images, unless the line sets its own (default 7)"),
        new("KeepFlaggedDays", "INSPECTION_KEEP_FLAGGED_DAYS", "--keep-flagged-days", "days a line keeps its flagged (failed or reviewed) results, at least keep-days (default 30)"),
        new("KeepMegabytes", "INSPECTION_KEEP_MB", "--keep-mb", "megabytes of results and images a line keeps at most, oldest passing ones removed first (default 1024; at least 1)"),
        new("KeepAuditDays", "INSPECTION_KEEP_AUDIT_DAYS", "--keep-audit-days", "days the audit trail keeps each change to settings, thresholds and models and each review (default 365)"),
        new("DiskHighWaterPercent", "INSPECTION_DISK_HIGH_WATER", "--disk-high-water", "percent of a data volume used above which no result images are kept (results still flow, marked; readiness degraded; default 90)"),
        new("DiskHardLimitPercent", "INSPECTION_DISK_HARD_LIMIT", "--disk-hard-limit", "percent of a data volume used above which frames are refused with 507 (default 97)"),
        new("RetentionIntervalSeconds", "INSPECTION_RETENTION_INTERVAL", "--retention-interval", "seconds between retention's steps (default 60)"),
        new("RunSeconds", "INSPECTION_RUN_SECONDS", "--for", "stop after this many seconds of serving (after training at start; default: run until stopped)"),
        // Training: the settings of lines trained here that have none of their own, and of the batches this node extracts.
        new("Backbone", "INSPECTION_BACKBONE", "--backbone", "backbone: resnet18 (embedded ImageNet weights) or wide_resnet50_2 (needs backbone weights)"),
        new("BackboneWeights", "INSPECTION_BACKBONE_WEIGHTS", "--backbone-weights", "weights file (.safetensors or .pth) for lines with the wide_resnet50_2 backbone"),
        new("Layers", "INSPECTION_LAYERS", "--layers", "feature layers, shallow to deep (default layer2 layer3)", List: true),
        new("ImageSize", "INSPECTION_IMAGE_SIZE", "--image-size", "input size: 256 (square), HxW such as 640x256, or auto[:PIXELS] (default 256)"),
        new("Precision", "INSPECTION_PRECISION", "--precision", "number format of backbone and kNN: fp32 (default), bf16 or fp16"),
        new("KnnPrecision", "INSPECTION_KNN_PRECISION", "--knn-precision", "number format of the kNN alone: fp32, bf16 or fp16 (default: as the precision)"),
        new("CoresetRatio", "INSPECTION_CORESET_RATIO", "--coreset-ratio", "share of training patches kept in the memory bank (default 0.1)"),
        new("TrainingSeed", "INSPECTION_TRAINING_SEED", "--training-seed", "seed of projection and coreset (default 0)", NodeFlag: "--seed"),
        new("ProjectionDims", "INSPECTION_PROJECTION_DIMS", "--projection-dims", "dimensions of the coreset's random projection (default: about 300)"),
        new("MinTrainImages", "INSPECTION_MIN_TRAIN_IMAGES", "--min-train-images", "fewest readable training images to train on (default 1)"),
        new("HoldoutOutsideBank", "INSPECTION_HOLDOUT_OUTSIDE_BANK", "--holdout-outside-bank", "keep the images held back for calibration out of the bank", Switch: true),
        new("BatchSize", "INSPECTION_BATCH_SIZE", "--batch-size", "images per batch, 1 to 1024 (default 8)"),
        new("KnnBudgetMb", "INSPECTION_KNN_BUDGET_MB", "--knn-budget-mb", "largest distance block of the nearest-neighbour search in MB (default 256)"),
        new("Verbose", "INSPECTION_VERBOSE", "--verbose", "log details", Switch: true),
    ];

    /// <summary>The JSON settings file itself: only from the command line or the environment.</summary>
    public static readonly ServeSettingKey SettingsFile = new("", "INSPECTION_SETTINGS", "--settings", "JSON file of the settings above, by key");

    /// <summary>The flag as <paramref name="command"/> (serve or node) spells it.</summary>
    public string FlagOf(string command) => command == "node" && NodeFlag != null ? NodeFlag : Flag;
}
