using Akka.Actor;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Cameras;

/// <summary>
/// A simulated camera: replays a list of image files at a fixed frame rate, whatever the line can take. Frames the line
/// refuses (back-pressure) are dropped and counted, as a real camera's would be; accepted frames are followed until
/// their results arrive. An observer, if given, receives every result and the final statistics.
/// </summary>
public sealed class ReplayCameraActor : ReceiveActor, IWithTimers
{
    private readonly string _line;
    private readonly string _camera;
    private readonly IActorRef _lineActor;
    private readonly IReadOnlyList<string> _files;
    private readonly IActorRef? _observer;
    private long _captured, _accepted, _dropped, _results, _failed;
    private bool _finished;
    private readonly TimeSpan _interval;

    public ITimerScheduler Timers { get; set; } = null!;

    public ReplayCameraActor(string line, string camera, IActorRef lineActor, IReadOnlyList<string> files, double framesPerSecond, IActorRef? observer)
    {
        _line = line;
        _camera = camera;
        _lineActor = lineActor;
        _files = files;
        _observer = observer;
        if (framesPerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(framesPerSecond));
        _interval = TimeSpan.FromSeconds(1 / framesPerSecond);

        Receive<Tick>(_ => Capture());
        Receive<FrameAccepted>(_ => _accepted++);
        Receive<FrameRejected>(_ => { _dropped++; CheckDone(); });
        Receive<StoredResult>(r =>
        {
            _results++;
            if (r.Error != null) _failed++;
            _observer?.Tell(r);
            CheckDone();
        });
        Receive<GetCameraStats>(_ => Sender.Tell(Stats()));
    }

    public static Props Props(string line, string camera, IActorRef lineActor, IReadOnlyList<string> files, double framesPerSecond, IActorRef? observer = null) =>
        Akka.Actor.Props.Create(() => new ReplayCameraActor(line, camera, lineActor, files, framesPerSecond, observer));

    protected override void PreStart() => Timers.StartPeriodicTimer("frame", Tick.Instance, TimeSpan.Zero, _interval);

    private void Capture()
    {
        if (_captured >= _files.Count)
        {
            Timers.Cancel("frame");
            CheckDone();
            return;
        }
        string file = _files[(int)_captured];
        var frame = new FrameId(_line, _camera, _captured++);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            bytes = []; // the line fails it with the decoder's reason; the frame is still accounted for
        }
        _lineActor.Tell(new CapturedFrame(frame, bytes, file));
    }

    private CameraStats Stats() => new(_line, _camera, _captured, _accepted, _dropped, _results, _failed, _finished);

    private void CheckDone()
    {
        if (_finished || _captured < _files.Count || _results + _dropped < _captured) return;
        _finished = true;
        _observer?.Tell(Stats());
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
