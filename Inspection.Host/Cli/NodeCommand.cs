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
        var node = new NodeOptions();
        var command = new Command("node", "Run a cluster node (and optionally lines, cameras and training on it).");
        node.AddTo(command);
        engine.AddTo(command, training: true);
        command.SetAction(result => CommandRunner.Run(() => Run(result, engine, node).GetAwaiter().GetResult()));
        return command;
    }

    private static async Task<int> Run(ParseResult result, EngineOptions engine, NodeOptions nodeOptions)
    {
        using var logging = engine.Logging(result);
        var config = nodeOptions.Check(result, engine, logging.CreateLogger("node"));
        var options = config.Node;
        await using var node = await InspectionNodeHost.Start(options, "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING",
            l => l.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }).SetMinimumLevel(LogLevel.Warning));
        var system = node.System;
        var pipeline = node.Pipeline;
        Console.WriteLine($"node {options.Address}{(options.Tls is null ? "" : " (TLS)")} roles [{string.Join(", ", options.Roles)}] " +
                          $"seeds [{string.Join(", ", options.SeedNodes)}] {options.Persistence} {options.Database}");
        var cluster = Akka.Cluster.Cluster.Get(system);
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() =>
        {
            Console.WriteLine($"joined the cluster: {cluster.State.Members.Count} member(s) up");
            joined.TrySetResult();
        });
        var printer = system.ActorOf(Props.Create(() => new ResultPrinter()), "result-printer");
        DistributedPubSub.Get(system).Mediator.Tell(new Subscribe(LineActor.ResultsTopic, printer));

        // A stop (SIGTERM, Ctrl+C) or the actor system's end (this node downed by the cluster) ends every wait below.
        var ended = Task.WhenAny(Task.Delay(Timeout.InfiniteTimeSpan, node.Stopping).ContinueWith(_ => { }), system.WhenTerminated);
        if (config.Lines.Count > 0 && !joined.Task.IsCompleted)
        {
            // Training needs the cluster (registry, shards, every gpu node's extractor): wait for it as long as Akka
            // keeps trying the seeds, rather than fail the first request after its timeout.
            Console.WriteLine($"training starts once this node has joined the cluster (seeds: {string.Join(", ", options.SeedNodes)})");
            if (await Task.WhenAny(joined.Task, ended) != joined.Task) return Ended(system, "before it had joined the cluster (no line was trained)");
        }
        foreach (var (line, folder) in config.Lines)
        {
            var training = pipeline.Train(line, folder, shards: 0, TimeSpan.FromHours(2));
            if (await Task.WhenAny(training, ended) != training)
                return Ended(system, $"while training line '{line}' (the line keeps the model it had)");
            var trained = await training;
            Console.WriteLine($"line '{line}' serves {trained.Version}: {trained.BankSize} bank vectors in {trained.Shards} shard(s), trained in {trained.Seconds:F1} s");
        }
        var lines = new Dictionary<string, IActorRef>();
        foreach (var (line, folder) in config.Cameras)
        {
            if (!lines.TryGetValue(line, out var lineActor))
                lines[line] = lineActor = pipeline.StartLine(line, new LineOptions { HeatmapFolder = config.HeatmapFolder });
            // The name is the camera's identity in the journal (the files it has inspected): the same folder keeps it across restarts.
            string full = Path.GetFullPath(folder).TrimEnd('/');
            string name = $"folder-{Path.GetFileName(full)}-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(full)))[..8].ToLowerInvariant()}";
            var cameraOptions = new FolderCameraOptions { DoneFolder = result.GetValue(nodeOptions.MoveDone) ? Path.Combine(full, "done") : null };
            system.ActorOf(FolderCameraActor.Props(line, name, full, lineActor, cameraOptions), Uri.EscapeDataString($"camera-{line}-{name}"));
            Console.WriteLine($"camera '{name}' of line '{line}' watches {Path.GetFullPath(folder)}");
        }

        var timer = Task.Delay(config.Seconds is { } seconds ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan);
        if (await Task.WhenAny(timer, ended) != timer) return Ended(system, null);
        return ExitCodes.Success; // disposing the node leaves the cluster gracefully: shards hand over
    }

    /// <summary>
    /// The exit of a node that was stopped or removed. Stopped by a signal: 0 once it ran (that is how nodes are
    /// stopped), 130 if it was still training. Downed by the cluster (its peers lost it for longer than the split-brain
    /// resolver waits, and this node was on the side that gives way): an error, since it no longer serves anything.
    /// </summary>
    private static int Ended(ActorSystem system, string? during)
    {
        var reason = CoordinatedShutdown.Get(system).ShutdownReason;
        if (reason is CoordinatedShutdown.ClusterDowningReason)
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
