using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Hosting;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Inspection.Actors.Shards;
using Inspection.Actors.Training;
using Inspection.Engine.Data;
using Inspection.Engine.PatchCore;
using Inspection.Host.Cli;
using static TorchSharp.torch;

namespace Inspection.Host.Simulation;

/// <summary>
/// Runs a <see cref="Scenario"/> in this process: one ingest node with the lines and their replay cameras, and the
/// scenario's gpu nodes, each an actor system of its own joined over TCP on 127.0.0.1 (one SQLite journal), with its
/// faults applied on schedule; then reports per line what the cameras captured and what became of it. The same
/// harness backs <c>inspection simulate</c> and the tests.
/// </summary>
public sealed class FactorySimulation : IAsyncDisposable
{
    private readonly Scenario _scenario;
    private readonly string _folder;
    private readonly Action<string> _log;
    private readonly ShardFaults _shardFaults = new();
    // Node 0 is the ingest node; a killed gpu node's slot is null until it is restarted.
    private readonly InspectionNodeHost?[] _nodes;
    private readonly InspectionNodeOptions[] _options;
    private readonly ConcurrentQueue<StoredResult> _results = new();
    private readonly List<FaultRecord> _applied = [];
    private readonly Stopwatch _clock = new();

    // Every node's transport goes through Akka.Remote's throttler adapter, so links can be cut or slowed; a crash must
    // not leave the cluster (the survivors find out as they would in production).
    // Akka's own log is off (a killed node's last errors, the survivors' disassociations): the report says what
    // happened; INSPECTION_DEBUG=1 shows its errors.
    private static readonly string Hocon = $$"""
        akka.loglevel = {{(Environment.GetEnvironmentVariable("INSPECTION_DEBUG") == "1" ? "ERROR" : "OFF")}}
        akka.stdout-loglevel = {{(Environment.GetEnvironmentVariable("INSPECTION_DEBUG") == "1" ? "ERROR" : "OFF")}}
        akka.remote.dot-netty.tcp.applied-adapters = [trttl]
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        """;
    private const string Protocol = "akka.trttl.tcp";

    private FactorySimulation(Scenario scenario, string folder, Action<string> log)
    {
        _scenario = scenario;
        _folder = folder;
        _log = log;
        _nodes = new InspectionNodeHost?[scenario.GpuNodes + 1];
        _options = new InspectionNodeOptions[scenario.GpuNodes + 1];
    }

    /// <summary>Runs the scenario to its report; the nodes are stopped and the work folder deleted afterwards.</summary>
    public static async Task<SimulationReport> Run(Scenario scenario, Action<string>? log = null, CancellationToken cancel = default)
    {
        scenario.Check();
        string folder = Directory.CreateTempSubdirectory("inspection-simulate-").FullName;
        await using var simulation = new FactorySimulation(scenario, folder, log ?? (_ => { }));
        return await simulation.Execute(cancel);
    }

    private async Task<SimulationReport> Execute(CancellationToken cancel)
    {
        var models = Train();
        await StartNodes();
        var ingest = _nodes[0]!;
        foreach (var (line, (model, _)) in models) await Publish(ingest, line, model);
        foreach (var (_, (model, _)) in models) model.Dispose();

        var collector = ingest.System.ActorOf(Props.Create(() => new ResultCollector(_results)), "simulation-results");
        var cameras = new List<(ScenarioLine Line, IActorRef Camera)>();
        _clock.Start();
        foreach (var line in _scenario.Lines)
        {
            var actor = ingest.Pipeline.StartLine(line.Name, new LineOptions
            {
                MaxInFlight = line.MaxInFlight, FrameTimeout = TimeSpan.FromSeconds(line.FrameDeadlineSeconds),
                AttemptTimeout = TimeSpan.FromSeconds(Math.Min(10, line.FrameDeadlineSeconds / 2)),
            });
            var files = models[line.Name].Files;
            int frames = Math.Max(1, (int)Math.Round(line.FramesPerSecond * _scenario.Seconds));
            var sequence = Enumerable.Range(0, frames).Select(i => files[i % files.Count]).ToList();
            for (int c = 0; c < line.Cameras; c++)
                cameras.Add((line, ingest.Pipeline.StartReplayCamera(line.Name, $"cam-{c}", actor, sequence, line.FramesPerSecond, collector)));
        }
        _log($"{cameras.Count} cameras on {_scenario.Lines.Count} lines, {_scenario.GpuNodes} gpu nodes: capturing for {_scenario.Seconds} s");

        var schedule = ApplyFaults(cancel);
        var stats = await AwaitCameras(cameras, cancel);
        await schedule;
        return Report(stats);
    }

    /// <summary>Each line's model, trained here by the engine (the same bank the cluster would build), and the frames to replay.</summary>
    private Dictionary<string, (PatchCoreModel Model, IReadOnlyList<string> Files)> Train()
    {
        var models = new Dictionary<string, (PatchCoreModel, IReadOnlyList<string>)>(StringComparer.Ordinal);
        var settings = new PatchCoreSettings { ImageSize = _scenario.ImageSize, CoresetRatio = 0.1, Seed = 1 };
        for (int i = 0; i < _scenario.Lines.Count; i++)
        {
            var line = _scenario.Lines[i];
            string data = line.Data ?? Path.Combine(_folder, "lines", line.Name);
            if (line.Data is null)
                SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 11 + i, TrainGood: 16, TestGood: 4, DefectsPerType: 2, Size: _scenario.ImageSize));
            var category = MvtecCategory.Open(data);
            var model = new PatchCoreTrainer(settings, CPU).Train(TrainingSplit.Of(category, settings));
            var files = category.Test.Select(t => t.Path).ToList();
            if (files.Count == 0) throw new ArgumentException($"line {line.Name}: '{data}' has no test images to replay");
            models[line.Name] = (model, files);
            _log($"line {line.Name}: {model.BankSize} bank vectors from {category.TrainGood.Count} good images; replaying {files.Count} test images");
        }
        return models;
    }

    private async Task StartNodes()
    {
        string database = Path.Combine(_folder, "simulation.db");
        var ports = Enumerable.Range(0, _nodes.Length).Select(_ => InspectionNodeHost.FreePort()).ToArray();
        for (int i = 0; i < _nodes.Length; i++)
        {
            _options[i] = new InspectionNodeOptions
            {
                Port = ports[i], SeedNodes = [$"{Protocol}://inspection@127.0.0.1:{ports[0]}"], Database = database,
                Roles = i == 0 ? ["ingest"] : ["gpu"], ShardFaults = _shardFaults, BatchSize = 8,
            };
            _nodes[i] = await InspectionNodeHost.Start(_options[i], Hocon);
        }
        await _nodes[0]!.Pipeline.AwaitMembersUp(_nodes.Length, TimeSpan.FromMinutes(2));
    }

    private async Task Publish(InspectionNodeHost ingest, string name, PatchCoreModel model)
    {
        var line = _scenario.Lines.Single(l => l.Name == name);
        var registry = ActorRegistry.For(ingest.System);
        var region = await registry.GetAsync<MemoryBankShardRegion>();
        var deployment = await ModelPublisher.Publish(region, model, name, "v1", Math.Min(line.Shards, model.BankSize), TimeSpan.FromMinutes(5),
            replicas: line.ReplicasOn(_scenario.GpuNodes));
        await ingest.Pipeline.Registry.Ask<LineRegistered>(new RegisterLine(name), TimeSpan.FromSeconds(30));
        await ingest.Pipeline.Registry.Ask<ModelActivated>(new ActivateModel(deployment), TimeSpan.FromSeconds(30));
        await ingest.Pipeline.AwaitReplicasApart(deployment, TimeSpan.FromSeconds(90));
        _log($"line {name}: {deployment.ShardCount} shard(s) x {deployment.Replicas} replica(s) placed");
    }

    private async Task ApplyFaults(CancellationToken cancel)
    {
        // Each fault, and the end of each one that lasts, in time order.
        var steps = _scenario.Faults.Select(f => (At: f.At, Fault: f, Ends: false))
            .Concat(_scenario.Faults.Where(f => f.For > 0 && f.Kind is ScenarioFault.SlowShard or ScenarioFault.Cut or ScenarioFault.Throttle)
                .Select(f => (At: f.At + f.For, Fault: f, Ends: true)))
            .OrderBy(s => s.At).ToList();
        foreach (var (at, fault, ends) in steps)
        {
            var wait = TimeSpan.FromSeconds(at) - _clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancel);
            string what = ends ? $"end of: {fault}" : fault.ToString();
            try
            {
                await (ends ? End(fault) : Apply(fault));
                _applied.Add(new FaultRecord(_clock.Elapsed.TotalSeconds, what, null));
                _log($"{_clock.Elapsed.TotalSeconds,6:F1} s  {what}");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _applied.Add(new FaultRecord(_clock.Elapsed.TotalSeconds, what, e.Message));
                _log($"{_clock.Elapsed.TotalSeconds,6:F1} s  {what} failed: {e.Message}");
            }
        }
    }

    private async Task Apply(ScenarioFault fault)
    {
        switch (fault.Kind)
        {
            case ScenarioFault.Kill:
                var node = _nodes[fault.Node] ?? throw new InvalidOperationException($"node {fault.Node} is not running");
                _nodes[fault.Node] = null;
                await node.System.Terminate(); // no leaving: a crash
                await node.DisposeAsync();
                break;
            case ScenarioFault.Restart:
                if (_nodes[fault.Node] != null) throw new InvalidOperationException($"node {fault.Node} is running");
                _nodes[fault.Node] = await InspectionNodeHost.Start(_options[fault.Node], Hocon);
                break;
            case ScenarioFault.SlowShard:
                _shardFaults.Slow(fault.Line!, fault.Shard, TimeSpan.FromMilliseconds(fault.Milliseconds));
                break;
            case ScenarioFault.Cut:
                await Throttle(fault, Akka.Remote.Transport.Blackhole.Instance);
                break;
            case ScenarioFault.Throttle:
                await Throttle(fault, new Akka.Remote.Transport.TokenBucket((int)Math.Min(int.MaxValue, Math.Max(fault.BytesPerSecond, 64 << 10)),
                    fault.BytesPerSecond, 0, 0));
                break;
        }
    }

    private Task End(ScenarioFault fault)
    {
        if (fault.Kind == ScenarioFault.SlowShard)
        {
            _shardFaults.Heal(fault.Line!, fault.Shard);
            return Task.CompletedTask;
        }
        return Throttle(fault, Akka.Remote.Transport.Unthrottled.Instance);
    }

    /// <summary>Sets the link between the fault's two nodes to <paramref name="mode"/>, both ways, on both ends that run.</summary>
    private async Task Throttle(ScenarioFault fault, Akka.Remote.Transport.ThrottleMode mode)
    {
        foreach (var (from, to) in new[] { (fault.Node, fault.Peer), (fault.Peer, fault.Node) })
        {
            if (_nodes[from] is not { } node) continue;
            var transport = ((Akka.Remote.RemoteActorRefProvider)((ExtendedActorSystem)node.System).Provider).Transport;
            var peer = new Address(Protocol, "inspection", "127.0.0.1", _options[to].Port);
            if (!await transport.ManagementCommand(new Akka.Remote.Transport.SetThrottle(peer, Akka.Remote.Transport.ThrottleTransportAdapter.Direction.Both, mode)))
                throw new InvalidOperationException($"node {from}'s transport refused to throttle its link to node {to}");
        }
    }

    private async Task<List<CameraStats>> AwaitCameras(List<(ScenarioLine Line, IActorRef Camera)> cameras, CancellationToken cancel)
    {
        var deadline = TimeSpan.FromSeconds(_scenario.Seconds + _scenario.DrainSeconds);
        var inbox = Inbox.Create(_nodes[0]!.System);
        while (true)
        {
            var stats = new List<CameraStats>();
            foreach (var (_, camera) in cameras) stats.Add(await camera.Ask<CameraStats>(new GetCameraStats(), TimeSpan.FromSeconds(10)));
            if (stats.All(s => s.Finished) || _clock.Elapsed > deadline)
            {
                if (!stats.All(s => s.Finished)) _log($"drain time over: {stats.Count(s => !s.Finished)} camera(s) still wait for results");
                return stats;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancel);
        }
    }

    private SimulationReport Report(List<CameraStats> cameras)
    {
        var results = _results.ToList();
        var lines = _scenario.Lines.Select(line =>
        {
            var stats = cameras.Where(c => c.Line == line.Name).ToList();
            var mine = results.Where(r => r.Frame.Line == line.Name).ToList();
            var latencies = mine.Select(r => (r.CompletedAt - r.ReceivedAt).TotalMilliseconds).Order().ToList();
            long accepted = stats.Sum(s => s.Accepted), answered = stats.Sum(s => s.Results), failed = stats.Sum(s => s.Failed);
            return new LineReport(line.Name, stats.Count, stats.Sum(s => s.Captured), accepted, answered - failed, failed, stats.Sum(s => s.Dropped),
                accepted - answered, Latencies.Percentile(latencies, 0.5), Latencies.Percentile(latencies, 0.99), Latencies.Percentile(latencies, 1));
        }).ToList();
        return new SimulationReport(_scenario.Name, _scenario.GpuNodes, _scenario.Seconds, _clock.Elapsed.TotalSeconds, lines, _applied.ToList());
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = _nodes.Length - 1; i >= 0; i--)
            if (_nodes[i] is { } node)
                await node.DisposeAsync();
        try { Directory.Delete(_folder, true); } catch (IOException) { }
    }

    /// <summary>Keeps every result the cameras pass on.</summary>
    private sealed class ResultCollector : ReceiveActor
    {
        public ResultCollector(ConcurrentQueue<StoredResult> results)
        {
            Receive<StoredResult>(results.Enqueue);
            ReceiveAny(_ => { });
        }
    }
}
