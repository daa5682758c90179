using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Hosting;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Inspection.Actors.Shards;
using Inspection.Actors.Training;
using Inspection.Engine.PatchCore;

namespace Inspection.Host.Cli;

/// <summary>
/// One line through a cluster of N nodes in this process (N actor systems joined over TCP on 127.0.0.1, one SQLite
/// file), every node a gpu node and the first also the line's: frames per second, latency, and the bytes of messages
/// that crossed between nodes per frame, by message type (the serializer's counter: a message within one node is not
/// serialised). Two designs: "local" routes frames to nodes holding the line's bank and asks replicas on the scorer's
/// own node first; "spread", the design before it, sends frames to every node in turn and asks replicas by load alone.
/// </summary>
public static class ClusterBench
{
    public const string Local = "local", Spread = "spread";

    /// <summary>What a scorer sends a replica on another node: the encoded frames (where smaller) or the patch features.</summary>
    public const string Frames = "frames", Features = "features";

    public sealed record Figures(string Design, string Shipped, int Nodes, int Shards, int Replicas, int Frames, int Window, double FramesPerSecond, double P50Ms, double P99Ms,
        int Failed, double CrossingBytesPerFrame, IReadOnlyDictionary<string, double> BytesPerFrame, IReadOnlyDictionary<string, int> FramesPerNode);

    private const string Line = "bench";

    /// <summary>Serialised message types that are journal writes here (the line's results and snapshots), not traffic between nodes.</summary>
    private static readonly HashSet<string> Journal = [nameof(StoredResult), "LineCounters"];

    public static async Task<Figures> Run(PatchCoreModel model, IReadOnlyList<string> files, string device, int batchSize, int nodeCount, int shards, int replicas,
        string design, int window, int frames, bool shipFrames = true)
    {
        string folder = Directory.CreateTempSubdirectory("inspection-cluster-bench-").FullName;
        string database = Path.Combine(folder, "bench.db");
        int seedPort = InspectionNodeHost.FreePort();
        var nodes = new List<InspectionNodeHost>();
        InspectionNodeOptions Options(int port, IReadOnlyList<string> roles) => new()
        {
            Port = port, SeedNodes = [$"akka.tcp://inspection@127.0.0.1:{seedPort}"], Database = database, Roles = roles, Device = device,
            BatchSize = batchSize, ShardTimeout = TimeSpan.FromSeconds(60), PreferLocalReplicas = design == Local,
            ShipFrames = shipFrames,
        };
        try
        {
            nodes.Add(await InspectionNodeHost.Start(Options(seedPort, NodeConfigurationChecks.KnownRoles), Quiet));
            for (int i = 1; i < nodeCount; i++) nodes.Add(await InspectionNodeHost.Start(Options(InspectionNodeHost.FreePort(), ["gpu"]), Quiet));
            var system = nodes[0].System;
            await nodes[0].Pipeline.AwaitMembersUp(nodeCount, TimeSpan.FromMinutes(2));

            var pipeline = nodes[0].Pipeline;
            await pipeline.AwaitShardRegions(nodeCount, TimeSpan.FromMinutes(1)); // so shards of one replica spread over the nodes
            var registry = ActorRegistry.For(system);
            var region = await registry.GetAsync<MemoryBankShardRegion>();
            var deployment = await ModelPublisher.Publish(region, model, Line, "v1", shards, TimeSpan.FromMinutes(5), replicas: replicas);
            await pipeline.Registry.Ask<LineRegistered>(new RegisterLine(Line), TimeSpan.FromSeconds(30));
            await pipeline.Registry.Ask<ModelActivated>(new ActivateModel(deployment), TimeSpan.FromSeconds(30));
            await pipeline.AwaitReplicasApart(deployment, TimeSpan.FromSeconds(90));
            var inbox = Inbox.Create(system);

            var line = pipeline.StartLine(Line, new LineOptions { MaxInFlight = window, FrameTimeout = TimeSpan.FromMinutes(5), RouteToBank = design == Local });
            var encoded = files.Select(File.ReadAllBytes).ToList();
            int sent = 0;
            void Send()
            {
                inbox.Send(line, new CapturedFrame(new FrameId(Line, "driver", sent), encoded[sent % encoded.Count], files[sent % files.Count]));
                sent++;
            }
            // Warm-up, not timed: a window of frames, so every node that gets frames has loaded its backbone.
            for (int i = 0; i < window; i++) Send();
            for (int done = 0; done < window;) if (await inbox.ReceiveAsync(TimeSpan.FromMinutes(5)) is StoredResult) done++;

            var bytes = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            var perNode = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            using var listener = Listen(bytes);
            using var extractions = ListenExtractions(perNode);
            int timedFrom = sent, received = 0, failed = 0;
            var latencies = new List<double>();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < window && sent < timedFrom + frames; i++) Send();
            while (received < frames)
            {
                if (await inbox.ReceiveAsync(TimeSpan.FromMinutes(5)) is not StoredResult r) continue;
                received++;
                latencies.Add(r.LatencyMs);
                if (r.Error != null) failed++;
                if (sent < timedFrom + frames) Send();
            }
            double seconds = clock.Elapsed.TotalSeconds;
            listener.RecordObservableInstruments();
            var (p50, p99) = Latencies.Percentiles(latencies);
            var byType = bytes.OrderByDescending(b => b.Value).ToDictionary(b => b.Key, b => (double)b.Value / frames);
            double crossing = byType.Where(b => !Journal.Contains(b.Key)).Sum(b => b.Value);
            return new Figures(design, shipFrames ? Frames : Features, nodeCount, deployment.ShardCount, deployment.Replicas, frames, window, frames / seconds, p50, p99, failed, crossing, byType,
                new Dictionary<string, int>(perNode));
        }
        finally
        {
            for (int i = nodes.Count - 1; i >= 0; i--) await nodes[i].DisposeAsync();
            try { Directory.Delete(folder, true); } catch (IOException) { }
        }
    }

    private const string Quiet = "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING";

    private static MeterListener Listen(ConcurrentDictionary<string, long> bytes)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == PipelineMetrics.MeterName && instrument.Name == PipelineMetrics.SerializedBytesName) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "message") bytes.AddOrUpdate((string)tag.Value!, value, (_, v) => v + value);
        });
        listener.Start();
        return listener;
    }

    /// <summary>Frames extracted per node, from the extraction histogram's <c>frames</c> and <c>node</c> tags.</summary>
    private static MeterListener ListenExtractions(ConcurrentDictionary<string, int> perNode)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == PipelineMetrics.MeterName && instrument.Name == PipelineMetrics.ExtractionName) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            int frames = 0;
            string node = "?";
            foreach (var tag in tags)
            {
                if (tag.Key == "frames") frames = Convert.ToInt32(tag.Value);
                if (tag.Key == "node") node = (string)tag.Value!;
            }
            perNode.AddOrUpdate(node, frames, (_, v) => v + frames);
        });
        listener.Start();
        return listener;
    }
}
