using System.Diagnostics;
using Akka.Actor;
using Inspection.Actors.Hosting;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Inspection.Engine.Evaluation;
using Inspection.Engine.PatchCore;

namespace Inspection.Host.Cli;

/// <summary>
/// The demo's second half: the same line through the actor pipeline on one node with every role (SQLite in the demo
/// folder): train through the cluster, replay the test parts through a simulated camera, print results as they arrive,
/// and compare the pipeline's scores with the engine's.
/// </summary>
public static class PipelineDemo
{
    public static async Task<int> Run(string data, string folder, PatchCoreSettings settings, string device, EvaluationResult engine, double framesPerSecond)
    {
        string database = Path.Combine(folder, "inspection.db");
        await using var node = await InspectionNodeHost.StartSingle(database, o => o with
        {
            Device = device, Training = settings, BatchSize = settings.BatchSize, ResultImagesFolder = Path.Combine(folder, "pipeline-heatmaps"),
        });
        var pipeline = node.Pipeline;
        Console.WriteLine($"pipeline: one node at 127.0.0.1:{node.Options.Port} (roles gpu, ingest, api), SQLite {database}");
        var trained = await pipeline.Train("demo", data, shards: 2, TimeSpan.FromMinutes(10));
        Console.WriteLine($"pipeline: line 'demo' trained through the cluster: {trained.Version}, {trained.BankSize} bank vectors in {trained.Shards} shards ({trained.Seconds:F1} s)");

        var files = engine.Images.Select(i => i.Path).ToList();
        var line = pipeline.StartLine("demo", new LineOptions { Images = ImagePolicy.Drawn });
        var inbox = Inbox.Create(pipeline.System);
        var clock = Stopwatch.StartNew();
        var camera = pipeline.StartReplayCamera("demo", "cam-1", line, files, framesPerSecond, inbox.Receiver);
        inbox.Watch(camera); // a camera that dies (it refuses a frame rate it cannot keep) ends the wait instead of hanging it
        var results = new List<StoredResult>();
        CameraStats? stats = null;
        while (stats == null)
        {
            switch (await inbox.ReceiveAsync(TimeSpan.FromMinutes(2)))
            {
                case StoredResult r:
                    results.Add(r);
                    Console.WriteLine(r.Error == null
                        ? $"  frame {r.Frame.Sequence,3} {Path.GetFileName(Path.GetDirectoryName(r.Source))}/{Path.GetFileName(r.Source)}: score {r.Score:F3} ({r.NormalisedScore:F2}) {(r.Defective ? "FAIL" : "pass")} in {r.LatencyMs:F0} ms"
                        : $"  frame {r.Frame.Sequence,3} {r.Source}: failed: {r.Error}");
                    break;
                case CameraStats s:
                    stats = s;
                    break;
                case Terminated:
                    // Ctrl+C and SIGTERM run the actor system's coordinated shutdown, which stops the camera too.
                    if (CoordinatedShutdown.Get(pipeline.System).ShutdownReason is not null)
                    {
                        Console.Error.WriteLine($"error: the demo was stopped (Ctrl+C or SIGTERM) after {results.Count} of {files.Count} frames");
                        return ExitCodes.Interrupted;
                    }
                    Console.Error.WriteLine($"error: the simulated camera stopped after {results.Count} of {files.Count} frames");
                    return ExitCodes.Failure;
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var engineScores = engine.Images.ToDictionary(i => i.Path, i => i.Score);
        double maxRelative = results.Where(r => r.Error == null)
            .Select(r => Math.Abs(r.Score - engineScores[r.Source]) / Math.Max(1e-9, Math.Abs(engineScores[r.Source]))).DefaultIfEmpty(double.NaN).Max();
        Console.WriteLine($"pipeline: {stats.Captured} frames captured at {framesPerSecond} fps, {stats.Accepted} accepted, {stats.Dropped} dropped, " +
                          $"{stats.Results - stats.Failed} scored, {stats.Failed} failed in {seconds:F1} s; max relative difference to the engine's scores {maxRelative:E1}");
        Console.WriteLine($"pipeline heatmaps: {Path.Combine(folder, "pipeline-heatmaps", "demo")}");
        return stats.Results == stats.Accepted && stats.Failed == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }
}
