using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Hosting;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Inspection.Actors.Training;
using Inspection.Engine.PatchCore;

namespace Inspection.Host.Cli;

/// <summary>
/// Frames per second through the actor pipeline on one node (line intake, extraction with micro-batching, sharded
/// scoring, persisted results), for the bench table next to the engine alone. The bench's trained model is stored in
/// the shards directly; a driver keeps a window of frames in flight, like cameras that never wait.
/// </summary>
public static class PipelineBench
{
    public sealed record Figures(int Frames, int Window, int Shards, double FramesPerSecond, double P50Ms, double P99Ms, int Failed,
        IReadOnlyList<PipelineStages.Stage> Stages);

    private const string Line = "bench";

    public static async Task<Figures> Run(PatchCoreModel model, IReadOnlyList<string> files, string device, int batchSize, int shards, int window, int frames)
    {
        string folder = Directory.CreateTempSubdirectory("inspection-bench-").FullName;
        using var stages = new PipelineStages(Line);
        var node = await InspectionNodeHost.StartSingle(Path.Combine(folder, "bench.db"), o => o with { Device = device, BatchSize = batchSize, ShardTimeout = TimeSpan.FromSeconds(60) });
        try
        {
            var system = node.System;
            var pipeline = node.Pipeline;
            var region = await ActorRegistry.For(system).GetAsync<Inspection.Actors.Shards.MemoryBankShardRegion>();
            var deployment = await ModelPublisher.Publish(region, model, Line, "v1", shards, TimeSpan.FromMinutes(5));
            await pipeline.Registry.Ask<LineRegistered>(new RegisterLine(Line), TimeSpan.FromSeconds(30));
            await pipeline.Registry.Ask<ModelActivated>(new ActivateModel(deployment), TimeSpan.FromSeconds(30));
            var line = pipeline.StartLine(Line, new LineOptions { MaxInFlight = window, FrameTimeout = TimeSpan.FromMinutes(5) });
            var encoded = files.Select(File.ReadAllBytes).ToList();
            var inbox = Inbox.Create(system);
            int sent = 0, done = 0, failed = 0;
            var latencies = new List<double>();
            void Send()
            {
                inbox.Send(line, new CapturedFrame(new FrameId(Line, "driver", sent), encoded[sent % encoded.Count], files[sent % files.Count]));
                sent++;
            }
            // One warm-up frame is not timed (backbone load, first allocations); one, not a batch: with a large bank on a
            // CPU a batch takes a minute.
            Send();
            while (done < sent) if (await inbox.ReceiveAsync(TimeSpan.FromMinutes(5)) is StoredResult) done++;
            sent = done = 0;
            stages.Reset();
            var clock = Stopwatch.StartNew();
            while (sent < Math.Min(window, frames)) Send();
            while (done < frames)
            {
                var message = await inbox.ReceiveAsync(TimeSpan.FromMinutes(5));
                if (message is not StoredResult r) continue;
                done++;
                latencies.Add(r.LatencyMs);
                if (r.Error != null) failed++;
                if (sent < frames) Send();
            }
            double seconds = clock.Elapsed.TotalSeconds;
            var (p50, p99) = Latencies.Percentiles(latencies);
            return new Figures(frames, window, shards, frames / seconds, p50, p99, failed, stages.Summarise(frames));
        }
        finally
        {
            await node.DisposeAsync();
            try { Directory.Delete(folder, true); } catch (IOException) { }
        }
    }

}
