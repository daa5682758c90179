using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Inspection.Actors.Messages;
using Inspection.Engine.Cameras;

namespace Inspection.Actors.Cameras;

/// <summary>
/// A camera of a line, whatever its source (<see cref="IFrameSource"/>: a file replay, a GigE Vision camera, an RTSP
/// or MJPEG stream, a video file): a thread of its own grabs the source's frames; this actor gives each its frame id
/// (<see cref="FrameIdBlocks"/>, unique across restarts), offers them to the line one at a time, applies back-pressure
/// and the drop policy (<see cref="CameraOptions"/>), counts everything (<see cref="CameraStats"/>: captured, accepted,
/// dropped, results, failed, frames/s, last frame, last error, reconnects) and connects again, with backoff, to a
/// source that fails. Every grabbed frame is accepted by the line (and gets a result) or counted as dropped. An
/// observer, if given, receives every result and, once a finite source has ended and every frame is accounted for,
/// the final counts.
/// </summary>
public sealed class CameraActor : ReceivePersistentActor, IWithTimers
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(5);
    private readonly string _line;
    private readonly string _camera;
    private readonly Func<IFrameSource> _open;
    private readonly IActorRef _lineActor;
    private readonly CameraOptions _options;
    private readonly IActorRef? _observer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly FrameIdBlocks _ids;
    private readonly Queue<Held> _queue = new();
    private readonly Queue<DateTime> _recent = new(); // capture times within the rate window
    private readonly Queue<PendingPart> _parts = new(); // triggered parts waiting for their frame, oldest first
    private readonly Dictionary<FrameId, PendingPart> _partOfFrame = [];
    private readonly SemaphoreSlim _room;
    private readonly CancellationTokenSource _stop = new();
    private IFrameSource? _source;
    private Thread? _grabber;
    private Held? _offered;
    private long _captured, _accepted, _dropped, _results, _failed, _reconnects;
    private bool _connected, _everConnected, _ended, _finished;
    private DateTimeOffset? _lastFrameAt;
    private string? _lastError, _name;

    public ITimerScheduler Timers { get; set; } = null!;
    public override string PersistenceId => $"camera/{_line}/{_camera}";

    /// <param name="open">Makes the source (on this actor's thread, once); the grabbing thread connects it.</param>
    public CameraActor(string line, string camera, Func<IFrameSource> open, IActorRef lineActor, CameraOptions options, IActorRef? observer)
    {
        _line = line;
        _camera = camera;
        _open = open;
        _lineActor = lineActor;
        _options = options;
        _observer = observer;
        _ids = new FrameIdBlocks(options.FrameIdBlock);
        _room = new SemaphoreSlim(Math.Max(1, options.Buffer));

        Recover<CameraFrameIdsReserved>(e => _ids.Reserved(e.UpTo));
        Recover<SnapshotOffer>(offer => { if (offer.Snapshot is CameraState state) _ids.Reserved(state.ReservedUpTo); });
        Recover<RecoveryCompleted>(_ =>
        {
            _ids.Recovered();
            StartGrabbing();
        });

        Command<Grabbed>(OnGrabbed);
        Command<DroppedAtGrab>(d =>
        {
            _captured++;
            _dropped++;
            if (NextPart() is { } part) part.Fail("its frame was dropped: the line is behind and the camera's buffer is full");
            Count(d.At);
            CheckDone();
        });
        Command<Connected>(_ =>
        {
            if (_everConnected) _reconnects++;
            _everConnected = _connected = true;
            _log.Info("Camera {0} of line {1}: connected to {2}", _camera, _line, _name);
        });
        Command<Lost>(l =>
        {
            _connected = false;
            _lastError = l.Reason;
            // A frame asked for before the loss will not come: the parts waiting for one hear it now, not at their deadline.
            while (_parts.TryDequeue(out var part)) part.Fail($"the camera was lost before its frame came ({l.Reason})");
            _log.Warning("Camera {0} of line {1}: {2} ({3}); connecting again in {4:0.#} s", _camera, _line, _name, l.Reason, l.RetryIn.TotalSeconds);
        });
        Command<Ended>(_ =>
        {
            _ended = true;
            _connected = false;
            CheckDone();
        });
        Command<FrameAccepted>(a =>
        {
            if (_offered is not { } offered || offered.Frame != a.Frame) return;
            _accepted++;
            if (offered.Part is { } part) _partOfFrame[a.Frame] = part;
            Release();
            Offer();
        });
        Command<FrameRejected>(r =>
        {
            if (_offered is not { } offered || offered.Frame != r.Frame) return;
            if (_options.Policy == DropPolicy.Drop)
            {
                _dropped++;
                offered.Part?.Fail($"its frame was refused by the line ({r.Reason})");
                Release();
                Offer();
                CheckDone();
            }
            else
            {
                _offered = null; // stays at the head of the queue with its id, offered again shortly
                Timers.StartSingleTimer("again", OfferAgain.Instance, _options.RetryRefusedAfter);
            }
        });
        Command<OfferAgain>(_ => Offer());
        Command<StoredResult>(r =>
        {
            _results++;
            if (r.Error != null) _failed++;
            if (_partOfFrame.Remove(r.Frame, out var part)) part.ReplyTo.Tell(new PartResult(part.Part, r));
            _observer?.Tell(r);
            CheckDone();
        });
        Command<FrameLost>(l =>
        {
            // Taken by the line but with no result (its database failed): the frame is accounted for as failed.
            _results++;
            _failed++;
            if (_partOfFrame.Remove(l.Frame, out var part)) part.Fail($"its frame has no result ({l.Reason})");
            _log.Warning("Camera {0}: frame {1} has no result ({2})", _camera, l.Frame.Sequence, l.Reason);
            CheckDone();
        });
        Command<TriggerFrame>(_ =>
        {
            try { _source?.Trigger(); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A camera that is away takes no trigger; the part it was for gets no frame, which the caller sees.
                _lastError = e.Message;
                _log.Warning("Camera {0} of line {1}: trigger not taken ({2})", _camera, _line, e.Message);
            }
        });
        Command<TriggerPart>(t =>
        {
            var part = new PendingPart(t.Part, t.Deadline, Sender);
            if (_source is null || !_connected)
            {
                part.Fail($"the camera is not connected ({_lastError ?? "not yet"})");
                return;
            }
            _parts.Enqueue(part);
            try { _source.Trigger(); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _lastError = e.Message;
                _parts.TryDequeue(out _); // triggers are taken in order: the one that failed is the newest
                part.Fail($"the camera took no trigger ({e.Message})");
            }
        });
        Command<GetCameraStats>(_ => Sender.Tell(Stats()));
    }

    public static Props Props(string line, string camera, Func<IFrameSource> open, IActorRef lineActor, CameraOptions options, IActorRef? observer = null) =>
        Akka.Actor.Props.Create(() => new CameraActor(line, camera, open, lineActor, options, observer));

    /// <summary>Asks a triggered source for one frame (a software trigger); ignored by free-running sources.</summary>
    public sealed class TriggerFrame
    {
        public static readonly TriggerFrame Instance = new();
    }

    /// <summary>
    /// A part is in front of the camera: trigger it (a software-triggered camera; others take their next frame) and
    /// answer the sender with the part's <see cref="PartResult"/>, or <see cref="PartFailed"/> when it gets no frame
    /// or no result (camera away, frame dropped or refused, no frame by <paramref name="Deadline"/> (UTC)).
    /// </summary>
    public sealed record TriggerPart(string Part, DateTime Deadline);

    /// <summary>The result of a part's frame.</summary>
    public sealed record PartResult(string Part, StoredResult Result);

    /// <summary>A part that gets no result, and why.</summary>
    public sealed record PartFailed(string Part, string Reason);

    private void StartGrabbing()
    {
        try { _source = _open(); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Settings that make no source (a bad address, an unknown pixel format): nothing to connect again to.
            _lastError = e.Message;
            _ended = true;
            _log.Error("Camera {0} of line {1} has no source: {2}", _camera, _line, e.Message);
            return;
        }
        _name = _source.Name;
        var source = _source;
        var self = Self;
        _grabber = new Thread(() => Grab(source, self)) { IsBackground = true, Name = $"camera {_line}/{_camera}" };
        _grabber.Start();
    }

    /// <summary>
    /// The grabbing thread: connects, takes frames and hands them to the actor; a failure waits (doubling from
    /// <see cref="CameraOptions.MinBackoff"/> to <see cref="CameraOptions.MaxBackoff"/>) and connects again.
    /// </summary>
    private void Grab(IFrameSource source, IActorRef self)
    {
        var cancel = _stop.Token;
        var backoff = _options.MinBackoff;
        bool connected = false;
        DateTime lastKept = DateTime.MinValue;
        var spacing = _options.MaxFramesPerSecond is { } cap && cap > 0 ? TimeSpan.FromSeconds(1 / cap) : TimeSpan.Zero;
        while (!cancel.IsCancellationRequested)
        {
            bool holding = false;
            try
            {
                if (!connected)
                {
                    source.Connect(cancel);
                    connected = true;
                    backoff = _options.MinBackoff;
                    self.Tell(Connected.Instance);
                }
                if (_options.Policy == DropPolicy.Wait) { _room.Wait(cancel); holding = true; }
                var frame = source.Next(cancel);
                if (frame is null)
                {
                    if (holding) _room.Release();
                    self.Tell(Ended.Instance);
                    return;
                }
                if (spacing > TimeSpan.Zero && DateTime.UtcNow - lastKept < spacing)
                {
                    if (holding) _room.Release();
                    self.Tell(new DroppedAtGrab(frame.At)); // over the frame-rate cap
                    continue;
                }
                if (!holding && !_room.Wait(0))
                {
                    self.Tell(new DroppedAtGrab(frame.At)); // the line is behind and the buffer full
                    continue;
                }
                lastKept = DateTime.UtcNow;
                self.Tell(new Grabbed(frame));
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (holding) _room.Release();
                connected = false;
                self.Tell(new Lost(e.Message, backoff));
                if (cancel.WaitHandle.WaitOne(backoff)) return;
                backoff = TimeSpan.FromTicks(Math.Min(_options.MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }
    }

    private void OnGrabbed(Grabbed g)
    {
        _captured++;
        Count(g.Frame.At);
        _lastFrameAt = g.Frame.At;
        _queue.Enqueue(new Held(g.Frame) { Part = NextPart() });
        Offer();
    }

    /// <summary>Offers the head of the queue to the line, once it has a frame id (a new block persisted first if needed).</summary>
    private void Offer()
    {
        if (_offered != null || _queue.Count == 0) return;
        var head = _queue.Peek();
        if (head.Frame is null)
        {
            if (_ids.Exhausted)
            {
                Persist(_ids.NextBlock(), e =>
                {
                    _ids.Reserved(e.UpTo);
                    Offer();
                });
                return;
            }
            head.Frame = new FrameId(_line, _camera, _ids.Take());
        }
        _offered = head;
        _lineActor.Tell(new CapturedFrame(head.Frame, head.Grabbed.Encoded, head.Grabbed.Source, Part: head.Part?.Part,
            PartDeadline: head.Part is { } part ? new DateTimeOffset(part.Deadline, TimeSpan.Zero) : default));
    }

    /// <summary>
    /// The part the next frame belongs to: the oldest one triggered and still within its deadline (older ones are
    /// failed: their frame did not come in time, and a later frame is not theirs).
    /// </summary>
    private PendingPart? NextPart()
    {
        while (_parts.TryDequeue(out var part))
        {
            if (DateTime.UtcNow <= part.Deadline) return part;
            part.Fail("no frame came by its deadline");
        }
        return null;
    }

    /// <summary>The offered frame is taken or dropped: it leaves the queue and the buffer has room for one more.</summary>
    private void Release()
    {
        _queue.Dequeue();
        _offered = null;
        _room.Release();
    }

    private void Count(DateTimeOffset at)
    {
        _recent.Enqueue(at.UtcDateTime);
        while (_recent.Count > 0 && DateTime.UtcNow - _recent.Peek() > RateWindow) _recent.Dequeue();
    }

    private CameraStats Stats()
    {
        while (_recent.Count > 0 && DateTime.UtcNow - _recent.Peek() > RateWindow) _recent.Dequeue();
        return new CameraStats(_line, _camera, _captured, _accepted, _dropped, _results, _failed, _finished, _name, _connected,
            _recent.Count / RateWindow.TotalSeconds, _lastFrameAt, _lastError, _reconnects);
    }

    private void CheckDone()
    {
        if (_finished || !_ended || _queue.Count > 0 || _results + _dropped < _captured) return;
        _finished = true;
        _observer?.Tell(Stats());
    }

    protected override void PostStop()
    {
        _stop.Cancel();
        // A source wakes on the cancellation within its own poll; one that does not is left, not disposed under its thread.
        if (_grabber is null || _grabber.Join(TimeSpan.FromSeconds(5))) _source?.Dispose();
        else _log.Warning("Camera {0} of line {1}: {2} did not stop within 5 s; left open", _camera, _line, _name);
        base.PostStop();
    }

    /// <summary>A grabbed frame, with the id it is given when first offered (kept when it is offered again) and the part it shows, if triggered for one.</summary>
    private sealed class Held(GrabbedFrame grabbed)
    {
        public GrabbedFrame Grabbed { get; } = grabbed;
        public FrameId? Frame { get; set; }
        public PendingPart? Part { get; init; }
    }

    private sealed record PendingPart(string Part, DateTime Deadline, IActorRef ReplyTo)
    {
        public void Fail(string reason) => ReplyTo.Tell(new PartFailed(Part, reason));
    }

    private sealed record Grabbed(GrabbedFrame Frame);

    private sealed record DroppedAtGrab(DateTimeOffset At);

    private sealed record Lost(string Reason, TimeSpan RetryIn);

    private sealed class Connected
    {
        public static readonly Connected Instance = new();
    }

    private sealed class Ended
    {
        public static readonly Ended Instance = new();
    }

    private sealed class OfferAgain
    {
        public static readonly OfferAgain Instance = new();
    }
}
