namespace Inspection.Actors.Cameras;

/// <summary>How a folder camera treats its files.</summary>
public sealed record FolderCameraOptions
{
    /// <summary>What to do with a frame the line refuses.</summary>
    public DropPolicy Policy { get; init; } = DropPolicy.Wait;
    /// <summary>Where files are moved once they have their result; null leaves them in place (they are remembered instead).</summary>
    public string? DoneFolder { get; init; }
    /// <summary>
    /// How long a file that stopped growing but still lacks the end of its image is waited for before it is offered as
    /// it is (and fails as truncated, naming the reason).
    /// </summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How often the folder's files are looked at (sizes compared, queue advanced).</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromMilliseconds(50);
    /// <summary>Files inspected between snapshots of the camera's state (recovery replays at most this many).</summary>
    public int SnapshotEvery { get; init; } = 500;
    /// <summary>
    /// Why files are held back now, or null when they may be offered: the node's disk above its hard limit
    /// (<see cref="Storage.DiskGuard.FramesProblem"/>). Held files stay in the folder, queued, and are offered once it
    /// answers null again; none is offered to be refused or lost meanwhile.
    /// </summary>
    public Func<string?>? HeldBack { get; init; }
    /// <summary>Frame ids reserved in the journal at a time: ids stay unique across restarts without one write per frame.</summary>
    public int FrameIdBlock { get; init; } = 1000;
}
