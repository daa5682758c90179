using Inspection.Actors.Messages;

namespace Inspection.Actors.Lines;

/// <summary>How a line treats its frames.</summary>
public sealed record LineOptions
{
    /// <summary>Frames accepted but not yet answered; beyond this the line refuses frames (back-pressure).</summary>
    public int MaxInFlight { get; init; } = 64;
    /// <summary>
    /// The frame deadline: a frame without a result after this long is failed explicitly. Until then a frame whose
    /// shards were unavailable (a node lost, its shard restarting elsewhere) is tried again.
    /// </summary>
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>An attempt without any answer after this long (its extraction node lost) is made again, within the deadline.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>
    /// What the gpu node that scores a frame keeps of it, in its own results folder: nothing, the frame and its map
    /// (overlay and heatmap drawn when first asked for: the HTTP API), or those with the overlay and heatmap drawn at
    /// once (for people who open the folder).
    /// </summary>
    public ImagePolicy Images { get; init; }
    /// <summary>Stored results between snapshots of the line's counters (recovery replays at most this many).</summary>
    public int SnapshotEvery { get; init; } = 1000;
    /// <summary>
    /// Stored results are told here (an <see cref="Results.IndexResult"/>, on this node) instead of straight to the camera:
    /// the index stores them for queries first and then answers the waiting requests. Null: told to the camera directly.
    /// </summary>
    public Akka.Actor.IActorRef? Index { get; init; }
    /// <summary>host:port of the MQTT broker for lines that publish their results there; null: none.</summary>
    public string? MqttBroker { get; init; }
    /// <summary>
    /// This node's <see cref="Shards.ReplicaDirectoryActor"/>: with it the line sends each frame to a gpu node that holds
    /// its bank (<see cref="ExtractorRoute"/>); null: to any gpu node's extractor in turn.
    /// </summary>
    public Akka.Actor.IActorRef? Directory { get; init; }
    /// <summary>False: frames go to every gpu node's extractor in turn even with a directory (the design before routing, for comparison).</summary>
    public bool RouteToBank { get; init; } = true;
    /// <summary>
    /// A gpu node the line routes to that has frames overdue and has not answered for this long (or four times the
    /// line's usual time per attempt, if longer) is taken as silent: its frames go at once to another gpu node (one
    /// holding the most of the bank among the rest), without waiting for the failure detector, and it gets frames
    /// again when it answers. Zero: off.
    /// </summary>
    public TimeSpan SilentNodeAfter { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>Frames of the line open at one node before the next node holding its bank takes frames too.</summary>
    public int RouteFill { get; init; } = 16;
    /// <summary>
    /// A tiled line's frame costs as much as one frame per tile: its attempt timeout, frame deadline and silence limit
    /// are multiplied by its tile count over this (at least 1), so a large image is not given up while it is scored.
    /// </summary>
    public int TilesPerTimeout { get; init; } = 8;
    /// <summary>Client keys (Idempotency-Key, frame id) whose results the line remembers to answer a retry without scoring.</summary>
    public int RememberedKeys { get; init; } = 10_000;
}
