using Akka.Actor;
using Inspection.Actors.Messages;
using Inspection.Engine.Data;

namespace Inspection.Actors.Cameras;

/// <summary>
/// A camera that is a folder: images already there and every image that appears later are sent to the line, one offer
/// at a time, once the file has stopped growing (so a half-written file is not inspected). With <see cref="DropPolicy.Wait"/>
/// a refused frame is offered again; with <see cref="DropPolicy.Drop"/> it is counted as dropped.
/// </summary>
public sealed class FolderCameraActor : ReceiveActor, IWithTimers
{
    private readonly string _line;
    private readonly string _camera;
    private readonly string _folder;
    private readonly IActorRef _lineActor;
    private readonly DropPolicy _policy;
    private readonly IActorRef? _observer;
    private readonly Queue<string> _queue = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _growing = new(StringComparer.Ordinal);
    private FileSystemWatcher? _watcher;
    private (FrameId Frame, string File)? _offered;
    private (FrameId Frame, string File)? _headFrame;
    private long _sequence, _accepted, _dropped, _results, _failed;

    public ITimerScheduler Timers { get; set; } = null!;

    public FolderCameraActor(string line, string camera, string folder, IActorRef lineActor, DropPolicy policy, IActorRef? observer)
    {
        _line = line;
        _camera = camera;
        _folder = folder;
        _lineActor = lineActor;
        _policy = policy;
        _observer = observer;

        Receive<FileAppeared>(f => Notice(f.Path));
        Receive<Tick>(_ => Step());
        Receive<FrameAccepted>(a =>
        {
            if (_offered?.Frame != a.Frame) return;
            _accepted++;
            _queue.Dequeue();
            _offered = null;
        });
        Receive<FrameRejected>(r =>
        {
            if (_offered?.Frame != r.Frame) return;
            if (_policy == DropPolicy.Drop)
            {
                _dropped++;
                _queue.Dequeue();
            }
            _offered = null;
        });
        Receive<StoredResult>(r =>
        {
            _results++;
            if (r.Error != null) _failed++;
            _observer?.Tell(r);
        });
        Receive<GetCameraStats>(_ => Sender.Tell(new CameraStats(_line, _camera, _sequence, _accepted, _dropped, _results, _failed, false)));
    }

    public static Props Props(string line, string camera, string folder, IActorRef lineActor, DropPolicy policy, IActorRef? observer = null) =>
        Akka.Actor.Props.Create(() => new FolderCameraActor(line, camera, folder, lineActor, policy, observer));

    protected override void PreStart()
    {
        // A missing folder is refused, not created: a misspelt camera folder would otherwise wait for frames forever.
        if (File.Exists(_folder)) throw new IOException($"Camera folder '{_folder}' is a file; a folder camera watches a folder.");
        if (!Directory.Exists(_folder)) throw new DirectoryNotFoundException($"Camera folder '{_folder}' does not exist.");
        var self = Self;
        _watcher = new FileSystemWatcher(_folder) { IncludeSubdirectories = false, EnableRaisingEvents = true };
        _watcher.Created += (_, e) => self.Tell(new FileAppeared(e.FullPath));
        _watcher.Renamed += (_, e) => self.Tell(new FileAppeared(e.FullPath));
        foreach (var file in MvtecCategory.ImagesIn(_folder)) Notice(file);
        Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromMilliseconds(50));
    }

    protected override void PostStop() => _watcher?.Dispose();

    private void Notice(string path)
    {
        if (!MvtecCategory.ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant()) || _seen.Contains(path)) return;
        _growing[path] = -1;
    }

    private void Step()
    {
        // A file joins the queue once its size was the same at two ticks in a row.
        foreach (var (path, lastSize) in _growing.ToList())
        {
            long size = File.Exists(path) ? new FileInfo(path).Length : -1;
            if (size < 0) { _growing.Remove(path); continue; }
            if (size == lastSize && size > 0)
            {
                _growing.Remove(path);
                _seen.Add(path);
                _queue.Enqueue(path);
            }
            else _growing[path] = size;
        }
        if (_offered != null || _queue.Count == 0) return;
        string file = _queue.Peek();
        byte[] bytes;
        try { bytes = File.ReadAllBytes(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { bytes = []; }
        // A file offered again (Wait policy) keeps its frame id: it is one frame, not a new one.
        var frame = _headFrame?.File == file ? _headFrame.Value.Frame : new FrameId(_line, _camera, _sequence++);
        _headFrame = (frame, file);
        _offered = (frame, file);
        _lineActor.Tell(new CapturedFrame(frame, bytes, file));
    }

    private sealed record FileAppeared(string Path);

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
