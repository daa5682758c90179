using System.CommandLine;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Inspection.Actors.Cameras;
using Inspection.Actors.Hosting;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Inspection.Actors.Plc;
using Inspection.Actors.Storage;
using Inspection.Host.Api;
using Microsoft.Extensions.Logging;

namespace Inspection.Host.Cli;

/// <summary>
/// <c>inspection serve</c>: one node of the cluster. With no arguments, a whole one-machine factory: every role, HTTP
/// on 127.0.0.1:8080, SQLite and result images under ./inspection-data. Without the api role it serves health and
/// metrics only. It can train lines once it has joined (<c>--train</c>) and watch folders as cameras
/// or read video files and streams as cameras (<c>--camera</c>). Settings come from options, INSPECTION_* variables and an optional JSON file
/// (<see cref="ServeSettingKey"/>). Runs until SIGTERM or Ctrl+C (or for <c>--for</c> seconds), then leaves the
/// cluster and exits.
/// <para>
/// <c>inspection node</c> is the same command under the name nodes were run with before serve: the same settings,
/// node's spellings where serve's flag means another setting (<c>--seed-node</c> for the cluster's seeds,
/// <c>--seed</c> for the projection seed), no HTTP unless one is given, and every published result printed.
/// </para>
/// </summary>
public static class ServeCommand
{
    public const string Serve = "serve", Node = "node";

    public static Command Create() => Create(Serve, "Run a cluster node with the HTTP API (with no options: a whole factory on this machine).");

    public static Command CreateNode() => Create(Node, "Run a cluster node: serve with node's flags (--seed-node, --seed the projection seed), " +
                                                        "without HTTP unless --http is given, printing every result.");

    private static Command Create(string name, string description)
    {
        var command = new Command(name, description);
        var options = new Dictionary<ServeSettingKey, Option>();
        foreach (var key in ServeSettingKey.All)
        {
            string flag = key.FlagOf(name);
            Option option = key.Switch ? new Option<bool>(flag) { Description = Describe(key) }
                : key.List ? new Option<string[]>(flag) { Description = Describe(key), AllowMultipleArgumentsPerToken = true }
                : new Option<string>(flag) { Description = Describe(key) };
            options[key] = option;
            command.Options.Add(option);
        }
        var settingsFile = new Option<string?>(ServeSettingKey.SettingsFile.Flag) { Description = Describe(ServeSettingKey.SettingsFile) };
        command.Options.Add(settingsFile);
        command.SetAction(result => CommandRunner.Run(() => Run(ServeConfiguration.Load(result, options, settingsFile), name).GetAwaiter().GetResult()));
        return command;
    }

    private static string Describe(ServeSettingKey key) => $"{char.ToUpperInvariant(key.Description[0])}{key.Description[1..]} [{key.Environment}].";

    private static async Task<int> Run(ServeSettings settings, string command)
    {
        bool api = settings.Roles.Contains("api");
        // serve always has HTTP: the API on api nodes, health and metrics on a free port on the others. node has it when given.
        settings.Http ??= command == Serve ? api ? "127.0.0.1:8080" : "127.0.0.1:0" : null;
        bool web = settings.Http != null;
        if (web || (settings.Persistence == PersistenceBackend.Sqlite && settings.Sqlite == null))
        {
            try { Directory.CreateDirectory(settings.DataDir); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            { throw new ArgumentException($"the data folder '{settings.DataDir}' cannot be created: {e.Message}"); }
        }
        string? generated = null;
        var keys = settings.ApiKeys.ToList();
        if (keys.Count == 0 && web && api)
        {
            var (key, created) = ApiKeys.LoadOrCreate(settings.DataDir);
            keys.Add(key);
            generated = created ? $"API key (generated, stored in {Path.Combine(Path.GetFullPath(settings.DataDir), "api-key")}): {key}"
                : $"API key (stored in {Path.Combine(Path.GetFullPath(settings.DataDir), "api-key")}): {key}";
        }
        string protocol = settings.Tls is null ? "akka.tcp" : ClusterTls.Protocol;
        using var disk = new DiskGuard(DataFolders(settings), settings.DiskHighWaterPercent / 100, settings.DiskHardLimitPercent / 100, TimeSpan.FromSeconds(2));
        var node = new InspectionNodeOptions
        {
            Tls = settings.Tls,
            Database = settings.Database,
            Persistence = settings.Persistence,
            Hostname = settings.Hostname,
            Port = settings.Port,
            SeedNodes = settings.Seeds.Length > 0 ? settings.Seeds : [$"{protocol}://{InspectionNodeOptions.DefaultSystemName}@{settings.Hostname}:{settings.Port}"],
            Roles = settings.Roles,
            Device = settings.Device,
            // Scorers keep asking a restarting shard for most of the frame deadline; the line keeps the rest to try again.
            ShardRetryBudget = TimeSpan.FromSeconds(Math.Max(0, settings.FrameDeadlineSeconds - 5)),
            Training = settings.Training,
            BatchSize = settings.BatchSize,
            // A gpu node keeps the images of the frames it scores, for the lines that ask (any node's).
            ResultImagesFolder = settings.HeatmapFolder,
            Retention = settings.Retention,
            Disk = disk,
            RetentionInterval = TimeSpan.FromSeconds(settings.RetentionIntervalSeconds),
            Lines = new LineOptions
            {
                MaxInFlight = settings.MaxInFlight,
                FrameTimeout = TimeSpan.FromSeconds(settings.FrameDeadlineSeconds),
                // With HTTP the API serves the images, drawn when first asked for; without, only where asked, drawn at once for users opening the folder.
                Images = web ? ImagePolicy.OnRequest : settings.Heatmaps != null ? ImagePolicy.Drawn : ImagePolicy.None,
                MqttBroker = settings.Mqtt,
            },
        };
        Action<ILoggingBuilder> logging = l => l.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
            .SetMinimumLevel(settings.Verbose ? LogLevel.Debug : LogLevel.Warning);
        await using var started = web ? await StartedNode.WithHttp(settings, node, new ApiKeys(keys), logging) : await StartedNode.Alone(node, logging);
        var system = started.System;
        Console.WriteLine($"node {node.Address}{(node.Tls is null ? "" : " (TLS)")} roles [{string.Join(", ", node.Roles)}] " +
                          $"seeds [{string.Join(", ", node.SeedNodes)}] {(node.Persistence == PersistenceBackend.Sqlite ? "SQLite " + node.Database : "PostgreSQL")}");
        if (started.Http is { } http)
        {
            if (api)
            {
                Console.WriteLine($"dashboard: point a browser at {http}/ and sign in with the API key");
                Console.WriteLine($"HTTP API on {http}/api/v1 (reference: {http}/api-reference, OpenAPI: {http}/openapi/v1.json)");
                if (generated != null) Console.WriteLine(generated);
                Console.WriteLine($"try: curl -H \"X-Api-Key: {(generated != null ? ApiKeys.Split(keys[0]).Secret : "<your key>")}\" {http}/api/v1/lines");
            }
            Console.WriteLine($"health: {http}/healthz/ready, metrics: {http}/metrics");
        }
        var cluster = Akka.Cluster.Cluster.Get(system);
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() =>
        {
            Console.WriteLine($"joined the cluster: {cluster.State.Members.Count} member(s) up");
            joined.TrySetResult();
        });
        // Without HTTP the console is where results go.
        if (!web) DistributedPubSub.Get(system).Mediator.Tell(new Subscribe(LineActor.ResultsTopic, system.ActorOf(Props.Create(() => new ResultPrinter()), "result-printer")));
        return await Join(settings, started, joined.Task);
    }

    /// <summary>Joins, checks the journal, trains the <c>--train</c> lines, starts the cameras, then serves until stopped or for <c>--for</c> seconds.</summary>
    /// <summary>The folders of this node's data: the data folder, the result images and a SQLite database kept elsewhere.</summary>
    private static IEnumerable<string> DataFolders(ServeSettings settings)
    {
        yield return Path.GetFullPath(settings.DataDir);
        yield return settings.HeatmapFolder;
        if (settings.Persistence == PersistenceBackend.Sqlite && !settings.Database.Contains('='))
            yield return Path.GetDirectoryName(Path.GetFullPath(settings.Database))!;
    }

    private static async Task<int> Join(ServeSettings settings, StartedNode started, Task joined)
    {
        var system = started.System;
        // A stop (SIGTERM, Ctrl+C) or the actor system's end (this node downed by the cluster) ends every wait below.
        var ended = Task.WhenAny(Task.Delay(Timeout.InfiniteTimeSpan, started.Stopping).ContinueWith(_ => { }), system.WhenTerminated);
        var lines = settings.TrainLines;
        if (lines.Count > 0 && !joined.IsCompleted)
            // Training needs the cluster (registry, shards, every gpu node's extractor): wait for it as long as Akka
            // keeps trying the seeds, rather than fail the first request after its timeout.
            Console.WriteLine($"training starts once this node has joined the cluster (seeds: {string.Join(", ", started.Options.SeedNodes)})");
        if (await Task.WhenAny(joined, ended) != joined)
            return Ended(system, lines.Count > 0 ? "before it had joined the cluster (no line was trained)" : null);
        // The journal check waits for the registry; a stop during it is not kept waiting.
        var check = JournalProblem(system);
        if (await Task.WhenAny(check, ended) != check) return Ended(system, lines.Count > 0 ? "before it had trained its lines" : null);
        if (await check is { } problem)
        {
            Console.Error.WriteLine($"error: {problem}. Every node of a cluster must use the cluster's one journal: the same PostgreSQL database " +
                                    "(--postgres \"Host=...\" on every node). SQLite, the default, is for a one-machine factory. This node leaves the cluster.");
            return ExitCodes.BadInput;
        }
        Console.WriteLine("ready: the cluster's registry answers");

        var pipeline = await InspectionPipeline.For(system);
        foreach (var (line, folder) in lines)
        {
            var training = pipeline.Train(line, folder, shards: 0, TimeSpan.FromHours(2));
            if (await Task.WhenAny(training, ended) != training)
                return Ended(system, $"while training line '{line}' (the line keeps the model it had)");
            var trained = await training;
            Console.WriteLine($"line '{line}' serves {trained.Version}: {trained.BankSize} bank vectors in {trained.Shards} shard(s), trained in {trained.Seconds:F1} s");
        }
        // Cameras send to the cluster's line (the shard entity on an ingest node), as HTTP frames do: one line actor per
        // line, whose results the store indexes and the line's sinks deliver.
        var lineActor = pipeline.Lines;
        var triggered = new List<PlcCamera>();
        var cameraActors = new List<IActorRef>();
        foreach (var (line, folder) in settings.Cameras)
        {
            if (!Directory.Exists(folder))
            {
                var (camera, open) = CameraSources.Open(folder);
                triggered.Add(new PlcCamera(line, camera, pipeline.StartCamera(line, camera, lineActor, open, new CameraOptions()), lineActor));
                using (var described = open()) Console.WriteLine($"camera '{camera}' of line '{line}' reads {described.Name}");
                continue;
            }
            // The name is the camera's identity in the journal (the files it has inspected): the same folder keeps it across restarts.
            string full = Path.GetFullPath(folder).TrimEnd('/');
            string name = $"folder-{Path.GetFileName(full)}-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(full)))[..8].ToLowerInvariant()}";
            var cameraOptions = new FolderCameraOptions { DoneFolder = settings.MoveDone ? Path.Combine(full, "done") : null, HeldBack = started.Options.Disk is { } disk ? () => disk.FramesProblem : null };
            cameraActors.Add(system.ActorOf(FolderCameraActor.Props(line, name, full, lineActor, cameraOptions), Uri.EscapeDataString($"camera-{line}-{name}")));
            Console.WriteLine($"camera '{name}' of line '{line}' watches {Path.GetFullPath(folder)}");
        }
        var plc = settings.Plc != null || settings.MqttTriggers ? StartPlc(settings, system, triggered) : null;
        cameraActors.AddRange(triggered.Select(c => c.CameraActor));
        // Every API node's camera list hears of this node's cameras and PLC handshake (GET /api/v1/cameras).
        if (cameraActors.Count > 0) system.ActorOf(CameraReporter.Props(cameraActors, plc, TimeSpan.FromSeconds(2)), "camera-reporter");

        var timer = Task.Delay(settings.RunSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan);
        if (await Task.WhenAny(timer, ended) != timer) return Ended(system, null);
        Console.WriteLine("node stopped");
        return ExitCodes.Success; // stopping the node leaves the cluster gracefully: shards hand over
    }

    /// <summary>
    /// The PLC handshake of this node's cameras that take a trigger (folders do not), one register block each in
    /// --camera order, printed so that whoever programs the PLC knows which block is which camera.
    /// </summary>
    private static IActorRef StartPlc(ServeSettings settings, ActorSystem system, IReadOnlyList<PlcCamera> cameras)
    {
        System.Net.IPEndPoint? endpoint = null;
        if (settings.Plc is { } plc)
        {
            var (host, port) = HttpEndpoint.Parse(plc);
            endpoint = new System.Net.IPEndPoint(HttpEndpoint.Address(host), port);
        }
        (string, int)? broker = settings.MqttTriggers && settings.Mqtt is { } mqtt ? HttpEndpoint.Parse(mqtt) : null;
        var handshake = system.ActorOf(PlcActor.Props(new PlcOptions
        {
            Endpoint = endpoint, Cameras = cameras, Deadline = TimeSpan.FromMilliseconds(settings.PartDeadlineMs),
            NoVerdict = settings.NoVerdict == "hold" ? NoVerdictMeaning.Hold : NoVerdictMeaning.Ng, Mqtt = broker, MaxPending = settings.PlcMaxPending,
        }), "plc");
        Console.WriteLine($"PLC handshake: {(endpoint is null ? "no Modbus server" : $"Modbus TCP on {endpoint}")}{(broker is { } b ? $", MQTT triggers on {b.Item1}:{b.Item2}" : "")}; " +
                          $"a part without a verdict in {settings.PartDeadlineMs:0} ms is {settings.NoVerdict.ToUpperInvariant()}");
        for (int i = 0; i < cameras.Count; i++)
            Console.WriteLine($"PLC block {i} (registers {i * PlcRegisterMap.Block}-{i * PlcRegisterMap.Block + PlcRegisterMap.Block - 1}): camera '{cameras[i].Camera}' of line '{cameras[i].Line}'" +
                              (broker is null ? "" : $", MQTT {MqttPlcBridge.TriggerTopic(cameras[i].Line, cameras[i].Camera)}"));
        return handshake;
    }

    /// <summary>Null when this node's journal is the cluster's; a registry that does not answer is only warned about.</summary>
    private static async Task<string?> JournalProblem(ActorSystem system)
    {
        try
        {
            var pipeline = await InspectionPipeline.For(system);
            return await JournalCheck.Problem(system, pipeline.Registry, TimeSpan.FromSeconds(60));
        }
        catch (Exception e) when (e is AskTimeoutException or TimeoutException)
        {
            Console.Error.WriteLine($"warning: the journal could not be compared with the cluster's ({e.Message}); check that every node uses the same database");
            return null;
        }
    }

    /// <summary>
    /// The exit of a node that was stopped or removed. Stopped by a signal: 0 once it ran (that is how nodes are
    /// stopped), 130 if it was still training. Downed by the cluster (its peers lost it for longer than the split-brain
    /// resolver waits, and this node was on the side that gives way): an error, since it no longer serves anything.
    /// </summary>
    private static int Ended(ActorSystem system, string? during)
    {
        if (CoordinatedShutdown.Get(system).ShutdownReason is CoordinatedShutdown.ClusterDowningReason)
        {
            Console.Error.WriteLine($"error: this node was downed by the cluster{(during is null ? "" : " " + during)}: its peers could not reach it, " +
                                    "or it was on the smaller side of a split (keep-majority; on a tie the side with the lowest address stays); " +
                                    "its shards move to the remaining gpu nodes. Restart it to rejoin.");
            return ExitCodes.Failure;
        }
        if (TlsShutdown.Happened(system))
        {
            Console.Error.WriteLine(TlsShutdown.Error);
            return ExitCodes.Failure;
        }
        if (during is null)
        {
            Console.WriteLine("node stopped");
            return ExitCodes.Success;
        }
        Console.Error.WriteLine($"error: the node was stopped (Ctrl+C or SIGTERM) {during}");
        return ExitCodes.Interrupted;
    }

    /// <summary>Prints every published result, one line each.</summary>
    private sealed class ResultPrinter : ReceiveActor
    {
        public ResultPrinter()
        {
            Receive<StoredResult>(r => Console.WriteLine(r.Error == null
                ? $"result {r.Frame}: {Path.GetFileName(r.Source)} score {r.Score:F3} ({r.NormalisedScore:F2}) {(r.Defective ? "FAIL" : "pass")} {r.ModelVersion} {r.LatencyMs:F0} ms{(r.HeatmapPath != null ? " " + r.HeatmapPath : "")}"
                : $"result {r.Frame}: {Path.GetFileName(r.Source)} failed: {r.Error}"));
            Receive<SubscribeAck>(_ => { });
        }
    }
}
