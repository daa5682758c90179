using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Inspection.Actors.Training;
using Inspection.Engine.Data;
using Inspection.Engine.Imaging;
using Inspection.Engine.Native;
using Inspection.Engine.PatchCore;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Inspection.Host.Cli;

/// <summary>
/// <c>inspection cluster-bench</c>: one line's frames/s and bytes per frame between nodes on 1, 2 and 3 nodes (actor
/// systems in this process over TCP on 127.0.0.1), with 1 and 2 replicas, for the routing design and the one before it
/// (<see cref="ClusterBench"/>), against the engine alone on the same frames.
/// </summary>
public static class ClusterBenchCommand
{
    public static Command Create()
    {
        var engine = new EngineOptions();
        var data = new Option<string>("--data") { Description = "Category folder in MVTec layout.", Required = true };
        var output = new Option<string?>("--out") { Description = "Write cluster-bench.json here." }.OutputFolder();
        var nodes = new Option<int[]>("--nodes") { Description = "Cluster sizes to run.", DefaultValueFactory = _ => [1, 2, 3], AllowMultipleArgumentsPerToken = true }.EachInRange(1, 8);
        var replicas = new Option<int[]>("--replicas") { Description = "Replica counts to run (those above the node count are skipped).", DefaultValueFactory = _ => [1, 2], AllowMultipleArgumentsPerToken = true }.EachInRange(1, 8);
        var designs = new Option<string[]>("--designs") { Description = "local: frames routed to nodes holding the bank, local replicas first (shards: one per 4 GiB of bank); spread: frames to every node in turn, replicas by load (shards: one per node).", DefaultValueFactory = _ => [ClusterBench.Local, ClusterBench.Spread], AllowMultipleArgumentsPerToken = true };
        designs.AcceptOnlyFromAmong(ClusterBench.Local, ClusterBench.Spread);
        var shards = new Option<int>("--shards") { Description = "Shards (0: the design's default).", DefaultValueFactory = _ => 0 }.InRange(0, 64);
        var frames = new Option<int>("--frames") { Description = "Frames timed per run (test images, repeated as needed).", DefaultValueFactory = _ => 96 }.InRange(1, 1_000_000);
        var window = new Option<int>("--window") { Description = "Frames in flight.", DefaultValueFactory = _ => 32 }.InRange(1, 4096);
        var ship = new Option<string[]>("--ship") { Description = "What a scorer sends a shard on another node: frames (the encoded frames where smaller, extracted there) or features (the patch features).",
            DefaultValueFactory = _ => [ClusterBench.Frames], AllowMultipleArgumentsPerToken = true };
        ship.AcceptOnlyFromAmong(ClusterBench.Frames, ClusterBench.Features);
        var command = new Command("cluster-bench", "Frames/s and bytes per frame between nodes of one line on 1-3 in-process nodes over TCP, with 1-2 replicas.")
            { data, output, nodes, replicas, designs, shards, frames, window, ship };
        engine.AddTo(command, training: true);
        command.SetAction(result => CommandRunner.Run(() =>
        {
            using var logging = engine.Logging(result);
            var logger = logging.CreateLogger("cluster-bench");
            var (settings, device) = engine.Prepare(result, logger);
            var category = MvtecCategory.Open(result.GetValue(data)!);
            using var model = ConsoleProgress.Run(p => new PatchCoreTrainer(settings, device, logger, p).Train(TrainingSplit.Of(category, settings), null, category.Root));
            var sources = (category.Test.Count > 0 ? category.Test.Select(t => t.Path) : category.TrainGood).ToList();
            int count = result.GetValue(frames), batch = settings.BatchSize;
            double engineRate = EngineRate(model, sources, count, batch, model.Metadata.ImageSize);
            Console.WriteLine($"device {device} ({LibTorchLoader.Description}), {Environment.ProcessorCount} cores; bank {model.BankSize} x {model.Metadata.EmbeddingDimensions}; " +
                              $"engine alone (batch {batch}, decode included): {engineRate:F1} images/s");
            var runs = new List<ClusterBench.Figures>();
            foreach (string design in result.GetValue(designs)!)
                foreach (string shipped in result.GetValue(ship)!)
                foreach (int n in result.GetValue(nodes)!)
                    foreach (int r in result.GetValue(replicas)!)
                    {
                        if (r > n) continue; // replicas of a shard live on distinct nodes
                        int s = result.GetValue(shards) is > 0 and var given ? given
                            : design == ClusterBench.Local ? TrainingCoordinatorActor.ShardsFor(model.BankSize, model.Metadata.EmbeddingDimensions, TrainingCoordinatorActor.DefaultShardBudget) : n;
                        Console.Error.WriteLine($"{design}, remote shards get {shipped}: {n} node(s), {s} shard(s) x {r} replica(s)...");
                        var figures = ClusterBench.Run(model, sources, result.GetValue(engine.Device)!, batch, n, s, r, design, result.GetValue(window), count,
                            shipped == ClusterBench.Frames).GetAwaiter().GetResult();
                        runs.Add(figures);
                    }
            // The engine again after the runs: on a shared machine one measurement can be off; the larger is the reference.
            double engineAfter = EngineRate(model, sources, count, batch, model.Metadata.ImageSize);
            Console.WriteLine($"engine alone again after the runs: {engineAfter:F1} images/s");
            engineRate = Math.Max(engineRate, engineAfter);
            var table = new Table().AddColumns("design", "remote shards get", "nodes", "shards x replicas", "frames/s", "of engine", "p50 / p99 ms", "failed", "MB/frame between nodes", "largest messages (KB/frame)", "frames per node");
            static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
            foreach (var f in runs)
                table.AddRow(f.Design, f.Shipped, f.Nodes.ToString(), $"{f.Shards} x {f.Replicas}", F(f.FramesPerSecond, "F1"), F(f.FramesPerSecond / engineRate, "P0"),
                    $"{F(f.P50Ms, "F0")} / {F(f.P99Ms, "F0")}", f.Failed.ToString(), F(f.CrossingBytesPerFrame / 1e6, "F3"),
                    string.Join(", ", f.BytesPerFrame.Take(3).Select(b => $"{b.Key} {F(b.Value / 1e3, "F0")}")),
                    string.Join(" ", f.FramesPerNode.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value)));
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
            console.Profile.Width = 200;
            console.Write(table);
            if (result.GetValue(output) is { } folder)
            {
                Directory.CreateDirectory(folder);
                File.WriteAllText(Path.Combine(folder, "cluster-bench.json"), JsonSerializer.Serialize(new
                {
                    dataset = category.Root, device = device.ToString(), processors = Environment.ProcessorCount, bankSize = model.BankSize,
                    engineImagesPerSecond = engineRate, batch, runs,
                }, new JsonSerializerOptions { WriteIndented = true }));
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>The engine on the same frames from their encoded bytes, decoded in parallel as a serving node does.</summary>
    private static double EngineRate(PatchCoreModel model, IReadOnlyList<string> sources, int count, int batch, Inspection.Engine.Imaging.Extent size)
    {
        var files = Enumerable.Range(0, Math.Max(count, batch)).Select(i => sources[i % sources.Count]).ToList();
        var encoded = files.Select(File.ReadAllBytes).ToList();
        PreparedImage[] Decode(int start)
        {
            var images = new PreparedImage[batch];
            Parallel.For(0, batch, i => images[i] = PreparedImage.FromBytes(encoded[(start + i) % encoded.Count], files[(start + i) % files.Count], size));
            return images;
        }
        model.Inspect(Decode(0)); // warm-up
        var clock = Stopwatch.StartNew();
        int done = 0;
        for (int start = 0; start + batch <= files.Count; start += batch, done += batch) model.Inspect(Decode(start));
        return done / clock.Elapsed.TotalSeconds;
    }
}
