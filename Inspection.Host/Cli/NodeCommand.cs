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
        Console.WriteLine($"node akka.tcp://{options.SystemName}@{options.Hostname}:{options.Port} roles [{string.Join(", ", options.Roles)}] " +
                          $"seeds [{string.Join(", ", options.SeedNodes)}] {options.Persistence} {options.Database}");
        var printer = system.ActorOf(Props.Create(() => new ResultPrinter()), "result-printer");
        DistributedPubSub.Get(system).Mediator.Tell(new Subscribe(LineActor.ResultsTopic, printer));

        foreach (var (line, folder) in config.Lines)
        {
            var trained = await pipeline.Train(line, folder, shards: 0, TimeSpan.FromHours(2));
            Console.WriteLine($"line '{line}' serves {trained.Version}: {trained.BankSize} bank vectors in {trained.Shards} shard(s), trained in {trained.Seconds:F1} s");
        }
        var lines = new Dictionary<string, IActorRef>();
        foreach (var (line, folder) in config.Cameras)
        {
            if (!lines.TryGetValue(line, out var lineActor))
                lines[line] = lineActor = pipeline.StartLine(line, new LineOptions { HeatmapFolder = config.HeatmapFolder });
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
            await Task.Delay(config.Seconds is { } s ? TimeSpan.FromSeconds(s) : Timeout.InfiniteTimeSpan, stop.Token);
        }
        catch (OperationCanceledException) { }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            AppDomain.CurrentDomain.ProcessExit -= onExit;
        }
        return ExitCodes.Success; // disposing the node leaves the cluster gracefully: shards hand over
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
