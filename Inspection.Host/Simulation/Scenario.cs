using System.Text.Json;
using System.Text.Json.Serialization;

namespace Inspection.Host.Simulation;

/// <summary>
/// A factory to simulate: production lines with their cameras, a number of gpu nodes, and a schedule of faults. Node 0
/// carries the lines and cameras (ingest); nodes 1 to <see cref="GpuNodes"/> extract, hold the shards and score.
/// Read from a JSON file (<see cref="Load"/>); every value is checked, and a bad one is named with its place.
/// </summary>
public sealed record Scenario
{
    public string Name { get; init; } = "scenario";
    /// <summary>How long the cameras capture, in seconds.</summary>
    public double Seconds { get; init; } = 30;
    /// <summary>How long, after the cameras stop, the results of frames still in flight are awaited at most.</summary>
    public double DrainSeconds { get; init; } = 60;
    public int GpuNodes { get; init; } = 2;
    /// <summary>Model input of every line (synthetic lines are made at this size).</summary>
    public int ImageSize { get; init; } = 128;
    public List<ScenarioLine> Lines { get; init; } = [];
    public List<ScenarioFault> Faults { get; init; } = [];

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads and checks a scenario file; anything wrong is an <see cref="ArgumentException"/> naming the file and the value.</summary>
    public static Scenario Load(string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"scenario file '{path}' does not exist");
        Scenario? scenario;
        try { scenario = JsonSerializer.Deserialize<Scenario>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new ArgumentException($"scenario file '{path}' is not a scenario: {e.Message}"); }
        if (scenario is null) throw new ArgumentException($"scenario file '{path}' holds no scenario");
        try { scenario.Check(); }
        catch (ArgumentException e) { throw new ArgumentException($"scenario file '{path}': {e.Message}"); }
        return scenario;
    }

    public void Check()
    {
        if (!(Seconds > 0 && Seconds <= 3600)) throw new ArgumentException($"seconds {Seconds} is out of range: above 0, at most 3600");
        if (!(DrainSeconds >= 0 && DrainSeconds <= 3600)) throw new ArgumentException($"drainSeconds {DrainSeconds} is out of range: 0 to 3600");
        if (GpuNodes is < 1 or > 16) throw new ArgumentException($"gpuNodes {GpuNodes} is out of range: 1 to 16");
        if (ImageSize is < 32 or > 512 || ImageSize % 32 != 0) throw new ArgumentException($"imageSize {ImageSize} must be a multiple of 32 from 32 to 512");
        if (Lines.Count == 0) throw new ArgumentException("a scenario needs at least one line");
        for (int i = 0; i < Lines.Count; i++) Lines[i].Check($"lines[{i}]", GpuNodes);
        if (Lines.GroupBy(l => l.Name).FirstOrDefault(g => g.Count() > 1) is { } twice) throw new ArgumentException($"line '{twice.Key}' is named twice");
        for (int i = 0; i < Faults.Count; i++) Faults[i].Check($"faults[{i}]", this);
    }
}

/// <summary>One production line: its cameras, their frame rate, and its bank's shards and replicas.</summary>
public sealed record ScenarioLine
{
    public string Name { get; init; } = "";
    public int Cameras { get; init; } = 1;
    /// <summary>Frames per second of each camera.</summary>
    public double FramesPerSecond { get; init; } = 2;
    /// <summary>An MVTec-layout folder to train on and replay the test images of; none: a synthetic line.</summary>
    public string? Data { get; init; }
    public int Shards { get; init; } = 1;
    /// <summary>Replicas of each shard; 0: one per gpu node, at most 2 (the cluster's default).</summary>
    public int Replicas { get; init; }
    /// <summary>Frames the line holds in flight before it refuses more (dropped, counted).</summary>
    public int MaxInFlight { get; init; } = 64;
    /// <summary>A frame without a result after this long fails explicitly.</summary>
    public double FrameDeadlineSeconds { get; init; } = 30;

    public int ReplicasOn(int gpuNodes) => Inspection.Actors.Shards.ReplicaPlacement.ReplicasFor(Replicas, gpuNodes);

    internal void Check(string where, int gpuNodes)
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Contains('/')) throw new ArgumentException($"{where}.name '{Name}' must be a name without '/'");
        if (Cameras is < 1 or > 64) throw new ArgumentException($"{where}.cameras {Cameras} is out of range: 1 to 64");
        if (!(FramesPerSecond > 0 && FramesPerSecond <= 1000)) throw new ArgumentException($"{where}.framesPerSecond {FramesPerSecond} is out of range: above 0, at most 1000");
        if (Data != null && !Directory.Exists(Data)) throw new ArgumentException($"{where}.data '{Data}' is not a folder");
        if (Shards is < 1 or > 64) throw new ArgumentException($"{where}.shards {Shards} is out of range: 1 to 64");
        if (Replicas < 0 || Replicas > gpuNodes) throw new ArgumentException($"{where}.replicas {Replicas} is out of range: 0 (the default) to gpuNodes ({gpuNodes})");
        if (MaxInFlight is < 1 or > 100_000) throw new ArgumentException($"{where}.maxInFlight {MaxInFlight} is out of range: 1 to 100000");
        if (!(FrameDeadlineSeconds >= 1 && FrameDeadlineSeconds <= 3600)) throw new ArgumentException($"{where}.frameDeadlineSeconds {FrameDeadlineSeconds} is out of range: 1 to 3600");
    }
}

/// <summary>
/// One fault, <see cref="At"/> seconds after the cameras start. Kinds: <c>kill</c> a gpu node (it stops without
/// leaving the cluster, as a crashed process); <c>restart</c> a killed one on its address; <c>slow-shard</c>: every
/// answer of the line's shard <see cref="Shard"/> (all its shards when not given) leaves <see cref="Milliseconds"/>
/// later; <c>cut</c> the link between
/// <see cref="Node"/> and <see cref="Peer"/> (nothing passes either way); <c>throttle</c> it to
/// <see cref="BytesPerSecond"/> (messages are delayed by their size). The last three end after <see cref="For"/>
/// seconds (0: at the end of the run).
/// </summary>
public sealed record ScenarioFault
{
    public const string Kill = "kill", Restart = "restart", SlowShard = "slow-shard", Cut = "cut", Throttle = "throttle";
    public static readonly IReadOnlyList<string> Kinds = [Kill, Restart, SlowShard, Cut, Throttle];

    public double At { get; init; }
    public string Kind { get; init; } = "";
    public int Node { get; init; }
    public int Peer { get; init; }
    public string? Line { get; init; }
    public int? Shard { get; init; }
    public double Milliseconds { get; init; }
    public long BytesPerSecond { get; init; }
    public double For { get; init; }

    public override string ToString() => Kind switch
    {
        Kill or Restart => $"{Kind} node {Node}",
        SlowShard => $"slow {(Shard is { } s ? $"shard {s} of line {Line}" : $"line {Line}'s shards")} by {Milliseconds} ms",
        Cut => $"cut the link between nodes {Node} and {Peer}",
        Throttle => $"throttle the link between nodes {Node} and {Peer} to {BytesPerSecond} bytes/s",
        _ => Kind,
    } + (For > 0 && Kind is SlowShard or Cut or Throttle ? $" for {For} s" : "");

    internal void Check(string where, Scenario scenario)
    {
        if (!Kinds.Contains(Kind)) throw new ArgumentException($"{where}.kind '{Kind}' is not one of {string.Join(", ", Kinds)}");
        if (!(At >= 0 && At <= scenario.Seconds)) throw new ArgumentException($"{where}.at {At} is outside the run: 0 to seconds ({scenario.Seconds})");
        if (!(For >= 0)) throw new ArgumentException($"{where}.for {For} cannot be negative");
        string gpu = $"a gpu node, 1 to {scenario.GpuNodes} (node 0 carries the lines and cameras)";
        switch (Kind)
        {
            case Kill or Restart when Node < 1 || Node > scenario.GpuNodes:
                throw new ArgumentException($"{where}: {Kind} of node {Node}: name {gpu}");
            case SlowShard when scenario.Lines.All(l => l.Name != Line):
                throw new ArgumentException($"{where}.line '{Line}' is not a line of the scenario");
            case SlowShard when Shard is { } s && (s < 0 || s >= scenario.Lines.Single(l => l.Name == Line).Shards):
                throw new ArgumentException($"{where}.shard {Shard} is not a shard of line '{Line}' (0 to {scenario.Lines.Single(l => l.Name == Line).Shards - 1})");
            case SlowShard when !(Milliseconds > 0 && Milliseconds <= 600_000):
                throw new ArgumentException($"{where}.milliseconds {Milliseconds} is out of range: above 0, at most 600000");
            case Cut or Throttle when Node < 0 || Node > scenario.GpuNodes || Peer < 0 || Peer > scenario.GpuNodes || Node == Peer:
                throw new ArgumentException($"{where}: a link joins two different nodes, 0 to {scenario.GpuNodes}; got {Node} and {Peer}");
            case Throttle when BytesPerSecond < 1:
                throw new ArgumentException($"{where}.bytesPerSecond {BytesPerSecond} must be at least 1");
        }
        // A restart needs a kill of the same node before it.
        if (Kind == Restart && !scenario.Faults.Any(f => f.Kind == Kill && f.Node == Node && f.At < At))
            throw new ArgumentException($"{where}: restart of node {Node} at {At} s, which no earlier fault kills");
    }
}
