namespace Inspection.Actors.Cameras;

/// <summary>How a camera actor (<see cref="CameraActor"/>) treats its source's frames.</summary>
public sealed record CameraOptions
{
    /// <summary>
    /// What to do with frames the line cannot take now: <see cref="DropPolicy.Wait"/> stops asking the source (a file
    /// replay slows down; a live camera's frames then drop in the device, counted there), <see cref="DropPolicy.Drop"/>
    /// counts them as dropped here and goes on.
    /// </summary>
    public DropPolicy Policy { get; init; } = DropPolicy.Drop;
    /// <summary>Frames held here, grabbed and not yet taken by the line; beyond it, <see cref="Policy"/> applies.</summary>
    public int Buffer { get; init; } = 4;
    /// <summary>At most this many frames a second are offered; more are dropped and counted (null: no cap).</summary>
    public double? MaxFramesPerSecond { get; init; }
    /// <summary>The first wait before connecting again to a source that failed; it doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How long a refused frame waits before it is offered again (<see cref="DropPolicy.Wait"/>).</summary>
    public TimeSpan RetryRefusedAfter { get; init; } = TimeSpan.FromMilliseconds(50);
    /// <summary>Frame ids reserved in the journal at a time (<see cref="FrameIdBlocks"/>).</summary>
    public int FrameIdBlock { get; init; } = 1000;
}
