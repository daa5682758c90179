namespace Inspection.Engine.Cameras;

/// <summary>
/// A simulated camera: a list of image files played once, at a fixed frame rate, whatever the line can take. A file
/// that cannot be read is handed out empty, so the line fails that frame with the decoder's reason and it is still
/// accounted for.
/// </summary>
public sealed class ReplaySource : IFrameSource
{
    private readonly IReadOnlyList<string> _files;
    private readonly TimeSpan _interval;
    private int _next;
    private DateTime _due;

    public ReplaySource(IReadOnlyList<string> files, double framesPerSecond)
    {
        if (!(framesPerSecond > 0)) throw new ArgumentOutOfRangeException(nameof(framesPerSecond), framesPerSecond, "a replay needs a frame rate above 0");
        _files = files;
        _interval = TimeSpan.FromSeconds(1 / framesPerSecond);
    }

    public string Name => $"replay of {_files.Count} file(s)";
    public bool Triggered => false;

    public void Connect(CancellationToken cancel) => _due = DateTime.UtcNow;

    public GrabbedFrame? Next(CancellationToken cancel)
    {
        if (_next >= _files.Count) return null;
        var wait = _due - DateTime.UtcNow;
        if (wait > TimeSpan.Zero) cancel.WaitHandle.WaitOne(wait);
        cancel.ThrowIfCancellationRequested();
        // Paced from the schedule, not from the last frame: a slow read does not slow the whole replay down.
        _due = (_due > DateTime.UtcNow - _interval ? _due : DateTime.UtcNow) + _interval;
        string file = _files[_next++];
        byte[] bytes;
        try { bytes = File.ReadAllBytes(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { bytes = []; }
        return new GrabbedFrame(bytes, file, DateTimeOffset.UtcNow);
    }

    public void Trigger() { }

    public void Dispose() { }
}
