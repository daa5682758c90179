using System.CommandLine;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Inspection.Actors.Cameras;
using Inspection.Actors.Hosting;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Microsoft.Extensions.Logging;

namespace Inspection.Host.Cli;

/// <summary>
/// <c>inspection node</c>: runs one cluster node (roles, seeds, database from options or the INSPECTION_* environment),
/// optionally trains lines and watches camera folders on it, and prints every result published in the cluster.
/// Runs until stopped (Ctrl+C, SIGTERM) or for <c>--for</c> seconds.
/// </summary>
public static class NodeCommand
{
    public static Command Create()
    {
        var engine = new EngineOptions();
        var hostname = new Option<string?>("--hostname") { Description = "Address to bind and advertise (default INSPECTION_HOSTNAME or 127.0.0.1)." };
        var port = new Option<int?>("--port") { Description = "TCP port (default INSPECTION_PORT, else a free one)." };
        var seeds = new Option<string[]>("--seed") { Description = "Seed node akka.tcp://inspection@host:port (repeatable; default INSPECTION_SEED_NODES, else this node).", AllowMultipleArgumentsPerToken = true };
        var roles = new Option<string[]>("--roles") { Description = "gpu, ingest, api.", DefaultValueFactory = _ => ["gpu", "ingest", "api"], AllowMultipleArgumentsPerToken = true };
        var database = new Option<string>("--db") { Description = "SQLite file, or a PostgreSQL connection string with --postgres.", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("INSPECTION_DB") ?? "inspection.db" };
        var postgres = new Option<bool>("--postgres") { Description = "--db is a PostgreSQL connection string." };
        var train = new Option<string[]>("--train") { Description = "line=folder: train (or retrain) a line from an MVTec-layout folder at start.", AllowMultipleArgumentsPerToken = true };
        var camera = new Option<string[]>("--camera") { Description = "line=folder: watch a folder as a camera of that line.", AllowMultipleArgumentsPerToken = true };
        var heatmaps = new Option<string?>("--heatmaps") { Description = "Folder for heatmap overlays of scored frames." };
        var duration = new Option<double?>("--for") { Description = "Stop after this many seconds." };
        var command = new Command("node", "Run a cluster node (and optionally lines, cameras and training on it).")
            { hostname, port, seeds, roles, database, postgres, train, camera, heatmaps, duration };
        engine.AddTo(command, training: true);
        command.SetAction(result => CommandRunner.Run(() => Run(result, engine, hostname, port, seeds, roles, database, postgres, train, camera, heatmaps, duration)
            .GetAwaiter().GetResult()));
        return command;
    }

    private static async Task<int> Run(ParseResult result, EngineOptions engine, Option<string?> hostname, Option<int?> port, Option<string[]> seeds,
        Option<string[]> roles, Option<string> database, Option<bool> postgres, Option<string[]> train, Option<string[]> camera,
        Option<string?> heatmaps, Option<double?> duration)
    {
        var defaults = new InspectionNodeOptions { Database = result.GetValue(database)! };
        int chosenPort = result.GetValue(port) ?? (defaults.Port != 0 ? defaults.Port : InspectionNodeHost.FreePort());
        string host = result.GetValue(hostname) ?? defaults.Hostname;
        var seedList = result.GetValue(seeds) is { Length: > 0 } given ? given : defaults.SeedNodes.Count > 0 ? defaults.SeedNodes.ToArray() : [$"akka.tcp://inspection@{host}:{chosenPort}"];
        var options = defaults with
        {
            Hostname = host,
            Port = chosenPort,
            SeedNodes = seedList,
            Roles = result.GetValue(roles)!,
            Persistence = result.GetValue(postgres) ? PersistenceBackend.PostgreSql : PersistenceBackend.Sqlite,
            Device = result.GetValue(engine.Device)!,
            Training = engine.Settings(result),
            BatchSize = result.GetValue(engine.BatchSize),
        };
        options.Training.Validate();
        var lineSpecs = Pairs(result.GetValue(train), "--train");
        var cameraSpecs = Pairs(result.GetValue(camera), "--camera");

        await using var node = await InspectionNodeHost.Start(options, "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING",
            l => l.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }).SetMinimumLevel(LogLevel.Warning));
        var system = node.System;
        var pipeline = node.Pipeline;
        Console.WriteLine($"node akka.tcp://inspection@{host}:{chosenPort} roles [{string.Join(", ", options.Roles)}] seeds [{string.Join(", ", seedList)}] " +
                          $"{options.Persistence} {options.Database}");
        var printer = system.ActorOf(Props.Create(() => new ResultPrinter()), "result-printer");
        DistributedPubSub.Get(system).Mediator.Tell(new Subscribe(LineActor.ResultsTopic, printer));

        foreach (var (line, folder) in lineSpecs)
        {
            var trained = await pipeline.Train(line, folder, shards: 0, TimeSpan.FromHours(2));
            Console.WriteLine($"line '{line}' serves {trained.Version}: {trained.BankSize} bank vectors in {trained.Shards} shard(s), trained in {trained.Seconds:F1} s");
        }
        var lines = new Dictionary<string, IActorRef>();
        foreach (var (line, folder) in cameraSpecs)
        {
            if (!lines.TryGetValue(line, out var lineActor))
                lines[line] = lineActor = pipeline.StartLine(line, new LineOptions { HeatmapFolder = result.GetValue(heatmaps) });
            string name = $"folder-{lines.Count}-{Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/'))}";
            system.ActorOf(FolderCameraActor.Props(line, name, folder, lineActor, DropPolicy.Wait), Uri.EscapeDataString($"camera-{line}-{name}"));
            Console.WriteLine($"camera '{name}' of line '{line}' watches {Path.GetFullPath(folder)}");
        }

        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
        EventHandler onExit = (_, _) => stop.Cancel();
        Console.CancelKeyPress += onCancel;
        AppDomain.CurrentDomain.ProcessExit += onExit;
        try
        {
            var seconds = result.GetValue(duration);
            await Task.Delay(seconds is { } s ? TimeSpan.FromSeconds(s) : Timeout.InfiniteTimeSpan, stop.Token);
        }
        catch (OperationCanceledException) { }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            AppDomain.CurrentDomain.ProcessExit -= onExit;
        }
        return ExitCodes.Success; // disposing the node leaves the cluster gracefully: shards hand over
    }

    private static List<(string Line, string Folder)> Pairs(string[]? values, string option) =>
        (values ?? []).Select(v =>
        {
            int eq = v.IndexOf('=');
            if (eq <= 0 || eq == v.Length - 1) throw new ArgumentException($"{option} expects line=folder, got '{v}'.");
            return (v[..eq], v[(eq + 1)..]);
        }).ToList();

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
