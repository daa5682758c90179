using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Inspection.Actors.Messages;
using Inspection.Engine.Data;
using Inspection.Engine.Imaging;

namespace Inspection.Actors.Cameras;

/// <summary>
/// A camera that is a folder: images already there and every image that appears later are sent to the line, one offer
/// at a time. A file is offered once it has stopped growing and holds a whole image; one that still lacks the end of
/// its image is read again until it is complete, or until <see cref="FolderCameraOptions.SettleTimeout"/> (then the
/// line fails it as truncated). Every file gets one result, across restarts too: the journal remembers the files that
/// have their result and the frame ids taken, and each frame carries the file as its client key, so a file re-offered
/// after a crash gets the line's stored result instead of a second scoring. With <see cref="DropPolicy.Wait"/> a refused
/// frame is offered again; with <see cref="DropPolicy.Drop"/> it is counted as dropped. Files with a result can be moved
/// to a done folder.
/// </summary>
public sealed class FolderCameraActor : ReceivePersistentActor, IWithTimers
{
    private readonly string _line;
    private readonly string _camera;
    private readonly string _folder;
    private readonly IActorRef _lineActor;
    private readonly FolderCameraOptions _options;
    private readonly IActorRef? _observer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<Waiting> _queue = new();
    private readonly Dictionary<string, Growing> _growing = new(StringComparer.Ordinal);
    private readonly HashSet<CameraFile> _inspected = [];
    // Files queued, offered or accepted and waiting for their result: seen again, they are not a new frame.
    private readonly HashSet<CameraFile> _inFlight = [];
    private readonly Dictionary<string, Waiting> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FrameId> _pendingFrames = new(StringComparer.Ordinal); // client key -> the frame offered
    private FileSystemWatcher? _watcher;
    private (FrameId Frame, Waiting File)? _offered;
    private (FrameId Frame, CameraFile File)? _headFrame;
    private readonly FrameIdBlocks _ids;
    private long _sinceSnapshot;
    private long _captured, _accepted, _dropped, _results, _failed;
    private string? _heldBecause;

    public ITimerScheduler Timers { get; set; } = null!;
    public override string PersistenceId => $"camera/{_line}/{_camera}";

    public FolderCameraActor(string line, string camera, string folder, IActorRef lineActor, FolderCameraOptions options, IActorRef? observer)
    {
        _line = line;
        _camera = camera;
        _folder = Path.GetFullPath(folder);
        _lineActor = lineActor;
        _options = options;
        _observer = observer;
        _ids = new FrameIdBlocks(options.FrameIdBlock);

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is not CameraState state) return;
            _ids.Reserved(state.ReservedUpTo);
            _inspected.UnionWith(state.Inspected);
        });
        Recover<CameraFrameIdsReserved>(e => _ids.Reserved(e.UpTo));
        Recover<CameraFileInspected>(e => _inspected.Add(e.File));
        // The ids of the last block may have been used before the restart: the next frame starts a new block.
        Recover<RecoveryCompleted>(_ =>
        {
            _ids.Recovered();
            Watch();
        });

        Command<FileAppeared>(f => Notice(f.Path));
        Command<Rescan>(_ => Scan());
        Command<Tick>(_ => Step());
        Command<FrameAccepted>(a =>
        {
            if (_offered is not { } offered || offered.Frame != a.Frame) return;
            _accepted++;
            _queue.Dequeue();
            _pending[offered.File.File.ClientKey(_camera)] = offered.File;
            _pendingFrames[offered.File.File.ClientKey(_camera)] = a.Frame;
            _offered = null;
        });
        Command<FrameRejected>(r =>
        {
            if (_offered is not { } offered || offered.Frame != r.Frame) return;
            if (_options.Policy == DropPolicy.Drop)
            {
                _dropped++;
                _inFlight.Remove(_queue.Dequeue().File);
            }
            _offered = null;
        });
        Command<StoredResult>(Completed);
        // The line could not store the file's result (its database failed): the file is offered again, with its own key.
        Command<FrameLost>(l =>
        {
            var key = _pending.FirstOrDefault(p => _pendingFrames.GetValueOrDefault(p.Key) == l.Frame).Key;
            if (key == null || !_pending.Remove(key, out var lost)) return;
            _pendingFrames.Remove(key);
            _log.Warning("Camera {0}: {1} has no result ({2}); offered again", _camera, lost.Path, l.Reason);
            _queue.Enqueue(lost);
        });
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(f => _log.Warning("Camera {0}: state not snapshotted: {1}", _camera, f.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("Camera {0}: old journal events not deleted: {1}", _camera, f.Cause.Message));
        Command<GetCameraStats>(_ => Sender.Tell(new CameraStats(_line, _camera, _captured, _accepted, _dropped, _results, _failed, false,
            $"folder {_folder}", _watcher != null)));
    }

    public static Props Props(string line, string camera, string folder, IActorRef lineActor, FolderCameraOptions options, IActorRef? observer = null) =>
        Akka.Actor.Props.Create(() => new FolderCameraActor(line, camera, folder, lineActor, options, observer));

    protected override void PreStart()
    {
        // A missing folder is refused, not created: a misspelt camera folder would otherwise wait for frames forever.
        if (File.Exists(_folder)) throw new IOException($"Camera folder '{_folder}' is a file; a folder camera watches a folder.");
        if (!Directory.Exists(_folder)) throw new DirectoryNotFoundException($"Camera folder '{_folder}' does not exist.");
        base.PreStart();
    }

    protected override void PostStop()
    {
        _watcher?.Dispose();
        base.PostStop();
    }

    private void Watch()
    {
        var self = Self;
        _watcher = new FileSystemWatcher(_folder) { IncludeSubdirectories = false };
        _watcher.Created += (_, e) => self.Tell(new FileAppeared(e.FullPath));
        _watcher.Renamed += (_, e) => self.Tell(new FileAppeared(e.FullPath));
        // A file written again in place (a camera that overwrites one name) is a new frame.
        _watcher.Changed += (_, e) => self.Tell(new FileAppeared(e.FullPath));
        // Events lost (the watcher's buffer overflowed): look at the whole folder again.
        _watcher.Error += (_, _) => self.Tell(Rescan.Instance);
        _watcher.EnableRaisingEvents = true;
        Scan();
        Timers.StartPeriodicTimer("tick", Tick.Instance, _options.Tick);
    }

    private void Scan()
    {
        foreach (var file in MvtecCategory.ImagesIn(_folder)) Notice(file);
    }

    private void Notice(string path)
    {
        if (!MvtecCategory.ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant()) || _growing.ContainsKey(path)) return;
        _growing[path] = new Growing(-1, DateTime.UtcNow);
    }

    private void Step()
    {
        // A file joins the queue once its size was the same at two ticks in a row, unless it has its result already.
        foreach (var (path, growing) in _growing.ToList())
        {
            var info = new FileInfo(path);
            long size = info.Exists ? info.Length : -1;
            if (size < 0) { _growing.Remove(path); continue; }
            if (size != growing.LastSize || size == 0)
            {
                _growing[path] = growing with { LastSize = size };
                continue;
            }
            _growing.Remove(path);
            var file = CameraFile.Of(info);
            if (_inspected.Contains(file) || !_inFlight.Add(file)) continue;
            _queue.Enqueue(new Waiting(path, file, growing.Since));
        }
        if (_offered != null || _queue.Count == 0 || HeldBack()) return;
        if (_ids.Exhausted && (_headFrame == null || _headFrame.Value.File != _queue.Peek().File))
        {
            // Persist stashes what comes meanwhile; the next tick offers the frame.
            Persist(_ids.NextBlock(), e => _ids.Reserved(e.UpTo));
            return;
        }
        Offer(_queue.Peek());
    }

    /// <summary>Whether files wait now (<see cref="FolderCameraOptions.HeldBack"/>); the start and the end of a hold are logged once each.</summary>
    private bool HeldBack()
    {
        string? why = _options.HeldBack?.Invoke();
        if (why != null && _heldBecause == null) _log.Warning("Camera {0}: {1} files wait in {2}: {3}", _camera, _queue.Count, _folder, why);
        else if (why == null && _heldBecause != null) _log.Info("Camera {0}: files are offered again ({1} waiting)", _camera, _queue.Count);
        _heldBecause = why;
        return why != null;
    }

    private void Offer(Waiting head)
    {
        byte[] bytes = [];
        string? unreadable = null;
        try { bytes = File.ReadAllBytes(head.Path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { unreadable = e.Message; }
        var now = new FileInfo(head.Path);
        if (!now.Exists || CameraFile.Of(now) != head.File)
        {
            // Gone (moved or deleted by someone else), or written again since it was queued: the watcher has seen the
            // new version, which is queued as its own frame.
            _inFlight.Remove(_queue.Dequeue().File);
            if (now.Exists) Notice(head.Path);
            return;
        }
        bool young = DateTime.UtcNow - head.Since < _options.SettleTimeout;
        if (young && (unreadable != null || ImageCompleteness.IsTruncated(bytes)))
        {
            // Still being written (or paused, or locked, by its writer): looked at again until whole, or until the settle timeout.
            _inFlight.Remove(_queue.Dequeue().File);
            _growing[head.Path] = new Growing(-1, head.Since);
            return;
        }
        if (unreadable != null)
            _log.Warning("Camera {0}: {1} could not be read within {2:0.#} s ({3}); it is offered empty and fails", _camera, head.Path, _options.SettleTimeout.TotalSeconds, unreadable);
        // A file offered again (Wait policy) keeps its frame id: it is one frame, not a new one.
        var frame = _headFrame?.File == head.File ? _headFrame.Value.Frame : new FrameId(_line, _camera, _ids.Take());
        if (_headFrame?.File != head.File) _captured++;
        _headFrame = (frame, head.File);
        _offered = (frame, head);
        _lineActor.Tell(new CapturedFrame(frame, bytes, head.Path, null, head.File.ClientKey(_camera)));
    }

    private void Completed(StoredResult r)
    {
        _results++;
        if (r.Error != null) _failed++;
        _observer?.Tell(r);
        if (r.ClientKey == null || !_pending.Remove(r.ClientKey, out var done)) return;
        _pendingFrames.Remove(r.ClientKey);
        Persist(new CameraFileInspected(done.File), e =>
        {
            _inspected.Add(e.File);
            _inFlight.Remove(e.File);
            if (_options.DoneFolder != null) MoveToDone(done.Path, r.Frame.Sequence);
            if (++_sinceSnapshot >= _options.SnapshotEvery)
            {
                _sinceSnapshot = 0;
                Snapshot();
            }
        });
    }

    /// <summary>Keeps, of the inspected files, those still in the folder as they were: the others cannot be seen again.</summary>
    private void Snapshot()
    {
        var still = _inspected.Where(f => new FileInfo(Path.Combine(_folder, f.Name)) is { Exists: true } info && CameraFile.Of(info) == f).ToList();
        _inspected.IntersectWith(still);
        SaveSnapshot(new CameraState(_ids.ReservedUpTo, still));
    }

    private void MoveToDone(string path, long sequence)
    {
        try
        {
            Directory.CreateDirectory(_options.DoneFolder!);
            string target = Path.Combine(_options.DoneFolder!, Path.GetFileName(path));
            // A name seen before (a camera that reuses names) keeps both files: the later one gets its frame number.
            if (File.Exists(target))
                target = Path.Combine(_options.DoneFolder!, $"{Path.GetFileNameWithoutExtension(path)}.{sequence}{Path.GetExtension(path)}");
            File.Move(path, target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning("Camera {0}: {1} not moved to {2}: {3} (it stays, and is remembered as inspected)", _camera, path, _options.DoneFolder, e.Message);
        }
    }

    private sealed record FileAppeared(string Path);

    private sealed record Growing(long LastSize, DateTime Since);

    private sealed record Waiting(string Path, CameraFile File, DateTime Since);

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed class Rescan
    {
        public static readonly Rescan Instance = new();
    }
}
