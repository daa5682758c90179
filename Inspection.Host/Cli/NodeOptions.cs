using System.CommandLine;
using Inspection.Actors.Hosting;
using Inspection.Engine.Backbones;
using Inspection.Engine.Data;
using Microsoft.Extensions.Logging;

namespace Inspection.Host.Cli;

/// <summary>
/// The node command's own options, and the check of the whole configuration (options and INSPECTION_* variables)
/// before the actor system starts: whatever the node could not run with ends the command with one line naming the
/// option or variable, instead of stack traces from a running cluster.
/// </summary>
public sealed class NodeOptions
{
    /// <summary>Longest <c>--for</c>: Task.Delay's limit (int.MaxValue milliseconds, 24.8 days).</summary>
    public const double MaxSeconds = 2_147_483;

    private const string SystemName = InspectionNodeOptions.DefaultSystemName;

    public Option<string?> Hostname { get; } = new Option<string?>("--hostname") { Description = "Address to bind and advertise (default INSPECTION_HOSTNAME or 127.0.0.1)." }.NotBlank();
    public Option<int?> Port { get; } = new Option<int?>("--port") { Description = "TCP port (default INSPECTION_PORT, else a free one)." }
        .InRange(1, 65535, hint: "leave it out for a free port");
    public Option<string[]> SeedNodes { get; } = new Option<string[]>("--seed-node")
        { Description = $"Seed node akka.tcp://{SystemName}@host:port, akka.ssl.tcp:// with TLS (repeatable; default INSPECTION_SEED_NODES, else this node).", AllowMultipleArgumentsPerToken = true };
    public Option<string?> TlsCertificate { get; } = new Option<string?>("--tls-certificate")
    {
        Description = "PKCS#12 file of the cluster's certificate (password: INSPECTION_TLS_PASSWORD): Akka.Remote over mutually authenticated TLS; nodes without it are refused (default INSPECTION_TLS_CERTIFICATE, else plain TCP).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("INSPECTION_TLS_CERTIFICATE") is { Length: > 0 } file ? file : null,
    };
    public Option<string[]> TlsTrust { get; } = new Option<string[]>("--tls-trust")
        { Description = "Thumbprint of another node's certificate to accept besides this node's own (repeatable).", AllowMultipleArgumentsPerToken = true };
    public Option<string[]> Roles { get; } = new Option<string[]>("--roles") { Description = "gpu, ingest, api.", DefaultValueFactory = _ => [.. NodeConfigurationChecks.KnownRoles], AllowMultipleArgumentsPerToken = true }
        .EachOneOf([.. NodeConfigurationChecks.KnownRoles]);
    public Option<string> Database { get; } = new Option<string>("--db") { Description = "SQLite file, or a PostgreSQL connection string with --postgres.", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("INSPECTION_DB") ?? "inspection.db" }.NotBlank();
    public Option<bool> Postgres { get; } = new("--postgres") { Description = "--db is a PostgreSQL connection string." };
    public Option<string[]> Train { get; } = new Option<string[]>("--train") { Description = "line=folder: train (or retrain) a line from an MVTec-layout folder at start.", AllowMultipleArgumentsPerToken = true }.NotBlank();
    public Option<string[]> Camera { get; } = new Option<string[]>("--camera") { Description = "line=folder: watch an existing folder as a camera of that line.", AllowMultipleArgumentsPerToken = true }.NotBlank();
    public Option<bool> MoveDone { get; } = new("--move-done") { Description = "Move each camera file that has its result into a done/ folder inside the camera's folder." };
    public Option<string?> Heatmaps { get; } = new Option<string?>("--heatmaps") { Description = "Folder for heatmap overlays of scored frames." }.OutputFolder();
    public Option<double?> Duration { get; } = new Option<double?>("--for") { Description = "Stop after this many seconds." }
        .InRange(0, MaxSeconds, aboveMin: true, hint: "seconds; leave it out to run until stopped");

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Hostname, Port, SeedNodes, Roles, Database, Postgres, Train, Camera, MoveDone, Heatmaps, Duration, TlsCertificate, TlsTrust })
            command.Options.Add(option);
    }

    /// <summary>What one node runs, checked.</summary>
    public sealed record Configuration(InspectionNodeOptions Node, IReadOnlyList<(string Line, string Folder)> Lines,
        IReadOnlyList<(string Line, string Folder)> Cameras, string? HeatmapFolder, double? Seconds);

    /// <summary>Builds the configuration and refuses (ArgumentException, exit 2) any part of it a node cannot run with.</summary>
    public Configuration Check(ParseResult result, EngineOptions engine, ILogger logger)
    {
        var backend = result.GetValue(Postgres) ? PersistenceBackend.PostgreSql : PersistenceBackend.Sqlite;
        string database = result.GetValue(Database)!;
        string databaseSource = result.GetResult(Database) is { Implicit: false } ? Database.Name : "INSPECTION_DB";
        if (NodeConfigurationChecks.DatabaseProblem(backend, database) is { } databaseProblem)
            throw new ArgumentException(backend == PersistenceBackend.Sqlite
                ? $"{databaseSource} '{database}' cannot be used as the SQLite database: {databaseProblem}."
                : $"{databaseSource} cannot be used as the PostgreSQL database: {databaseProblem}."); // not repeated: it holds a password

        var tls = result.GetValue(TlsCertificate) is { } certificate
            ? new ClusterTls(certificate, Variable("INSPECTION_TLS_PASSWORD"), result.GetValue(TlsTrust) ?? [])
            : null;
        if (tls?.Problem() is { } tlsProblem)
            throw new ArgumentException($"{(result.GetResult(TlsCertificate) is { Implicit: false } ? TlsCertificate.Name : "INSPECTION_TLS_CERTIFICATE")}: {tlsProblem}.");
        string protocol = tls is null ? "akka.tcp" : ClusterTls.Protocol;
        string host = result.GetValue(Hostname) ?? Variable("INSPECTION_HOSTNAME") ?? "127.0.0.1";
        int port = result.GetValue(Port) ?? EnvironmentPort() ?? InspectionNodeHost.FreePort();
        foreach (var seed in result.GetValue(SeedNodes) ?? [])
            if (NodeConfigurationChecks.SeedNodeProblem(seed, SystemName, protocol) is { } seedProblem)
                throw new ArgumentException($"{SeedNodes.Name} '{seed}' cannot be used: {seedProblem}.");
        string[] seeds = result.GetValue(SeedNodes) is { Length: > 0 } given ? given : EnvironmentSeeds(protocol) ?? [$"{protocol}://{SystemName}@{host}:{port}"];
        var roles = result.GetValue(Roles)!;
        var lines = Pairs(result.GetValue(Train), Train.Name);
        var cameras = Pairs(result.GetValue(Camera), Camera.Name);

        if (lines.Count > 0 && !roles.Contains("gpu"))
            throw new ArgumentException($"{Train.Name} trains on this node, which needs the gpu role (--roles {string.Join(" ", roles)} lacks it).");
        if (lines.GroupBy(l => l.Line).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"{Train.Name} names line '{twice.Key}' twice.");
        foreach (var (line, folder) in lines)
        {
            try { MvtecCategory.Open(folder); }
            catch (DatasetException e) { throw new ArgumentException($"{Train.Name} {line}={folder}: {e.Message}", e); }
        }
        foreach (var (line, folder) in cameras)
        {
            if (File.Exists(folder)) throw new ArgumentException($"{Camera.Name} {line}={folder}: '{folder}' is a file; a camera watches a folder.");
            if (!Directory.Exists(folder)) throw new ArgumentException($"{Camera.Name} {line}={folder}: folder '{folder}' does not exist (create it first; a misspelt folder would never see a frame).");
        }

        var (settings, _) = engine.Prepare(result, logger);
        // A missing or bad weights file fails here, with its own line, instead of inside the training actor (the embedded
        // ResNet18 needs no such check).
        if (lines.Count > 0 && settings.BackboneWeights is not null) BackboneFactory.Create(settings.Backbone, settings.Layers, TorchSharp.torch.CPU, settings.BackboneWeights, logger).Dispose();
        // A free port was just free, but the host name may not resolve or not be this machine's: checked either way.
        if (NodeConfigurationChecks.ListenProblem(host, port) is { } listenProblem)
        {
            var named = new List<string>();
            if (result.GetValue(Hostname) != null) named.Add($"{Hostname.Name} {host}");
            else if (Variable("INSPECTION_HOSTNAME") != null) named.Add($"INSPECTION_HOSTNAME {host}");
            if (result.GetValue(Port) != null) named.Add($"{Port.Name} {port}");
            else if (Variable("INSPECTION_PORT") != null) named.Add($"INSPECTION_PORT {port}");
            throw new ArgumentException($"{(named.Count > 0 ? string.Join(", ", named) : $"{host}:{port}")}: {listenProblem}.");
        }

        var node = new InspectionNodeOptions
        {
            Database = database,
            Hostname = host,
            Port = port,
            SeedNodes = seeds,
            Roles = roles,
            Persistence = backend,
            Device = result.GetValue(engine.Device)!,
            Training = settings,
            BatchSize = result.GetValue(engine.BatchSize),
            Tls = tls,
        };
        return new Configuration(node, lines, cameras, result.GetValue(Heatmaps), result.GetValue(Duration));
    }

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    private static int? EnvironmentPort()
    {
        if (Variable("INSPECTION_PORT") is not { } text) return null;
        if (int.TryParse(text, out int port) && port is >= 1 and <= 65535) return port;
        throw new ArgumentException($"INSPECTION_PORT '{text}' is not a port number between 1 and 65535.");
    }

    private static string[]? EnvironmentSeeds(string protocol)
    {
        if (Variable("INSPECTION_SEED_NODES") is not { } text) return null;
        var seeds = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var seed in seeds)
            if (NodeConfigurationChecks.SeedNodeProblem(seed, SystemName, protocol) is { } problem)
                throw new ArgumentException($"INSPECTION_SEED_NODES entry '{seed}' cannot be used: {problem}.");
        return seeds.Length > 0 ? seeds : null;
    }

    private static List<(string Line, string Folder)> Pairs(string[]? values, string option) =>
        (values ?? []).Select(v =>
        {
            int eq = v.IndexOf('=');
            if (eq <= 0 || eq == v.Length - 1) throw new ArgumentException($"{option} expects line=folder, got '{v}'.");
            return (v[..eq], v[(eq + 1)..]);
        }).ToList();
}
