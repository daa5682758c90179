using Akka.Actor;
using Akka.Event;
using Inspection.Actors.Cameras;
using R = Inspection.Actors.Plc.PlcRegisterMap;

namespace Inspection.Actors.Plc;

/// <summary>
/// The PLC handshake on an ingest node: a Modbus TCP server (<see cref="ModbusTcpServer"/>) whose registers
/// (<see cref="PlcRegisterMap"/>) a PLC polls. A trigger from the PLC becomes a part (its id, or one assigned) that
/// the camera is triggered for (<see cref="CameraActor.TriggerPart"/>); its verdict is written back with the part's
/// id, or, when none comes by the deadline, a timeout verdict (NG or hold) is, at the deadline. A result that comes
/// later is counted as late and never written as a second verdict. One part per camera is pending at a time: a
/// trigger while one is pending is refused and counted (a trigger storm cannot pile up parts the PLC waits for). MQTT
/// triggers come through <see cref="TriggerFromMqtt"/> the same way.
/// </summary>
public sealed class PlcActor : ReceiveActor, IWithTimers
{
    private readonly PlcOptions _options;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly PlcRegisters _registers;
    private readonly ModbusTcpServer? _server;
    private readonly CameraState[] _cameras;
    private uint _assigned;
    private IActorRef? _mqtt;
    private MqttPlcBridge.State? _mqttState;

    public ITimerScheduler Timers { get; set; } = null!;

    public PlcActor(PlcOptions options)
    {
        _options = options;
        _cameras = options.Cameras.Select(c => new CameraState(c)).ToArray();
        var self = Self;
        _registers = new PlcRegisters(options.Cameras.Count, (address, values) => self.Tell(new Written(address, values)));
        _server = options.Endpoint is { } endpoint ? new ModbusTcpServer(endpoint, _registers) : null;

        Receive<Written>(OnWritten);
        Receive<TriggerFromMqtt>(t =>
        {
            int index = Array.FindIndex(_cameras, c => c.Camera.Line == t.Line && c.Camera.Camera == t.Camera);
            if (index < 0) _log.Warning("MQTT trigger for camera {0} of line {1}, which the PLC handshake does not have", t.Camera, t.Line);
            else Trigger(index, t.Part);
        });
        Receive<CameraActor.PartResult>(r => Verdict(r.Part, r.Result.Error is null
            ? (r.Result.Defective ? PlcVerdict.Ng : PlcVerdict.Ok, PlcResultCode.Inspected, r.Result.NormalisedScore)
            : (NoVerdict, PlcResultCode.Failed, float.NaN), r.Result.Error, r.Result.ResultId));
        Receive<CameraActor.PartFailed>(f => Verdict(f.Part, (NoVerdict, PlcResultCode.NoFrame, float.NaN), f.Reason, null));
        Receive<Deadline>(d =>
        {
            var state = _cameras[d.Camera];
            if (state.Pending != d.Part) return;
            state.Timeouts++;
            _registers.Increment(d.Camera, R.Timeouts);
            state.TimedOut[d.Part] = state.PendingSince;
            string reason = $"no verdict within {_options.Deadline.TotalMilliseconds} ms";
            Write(d.Camera, d.Part, NoVerdict, PlcResultCode.Timeout, float.NaN, reason, null);
            // The line's sinks hear of the timeout as of a result: through the line's journal.
            state.Camera.LineActor?.Tell(new Messages.PartTimedOut($"timeout-{Guid.CreateVersion7():N}", state.Camera.Line, state.Camera.Camera, d.Part,
                NoVerdict == PlcVerdict.Hold ? "hold" : "ng", reason, new DateTimeOffset(state.PendingSince, TimeSpan.Zero), DateTimeOffset.UtcNow));
            _log.Warning("Part {0} at camera {1} of line {2}: no verdict within {3} ms; {4} sent", d.Part, state.Camera.Camera, state.Camera.Line,
                _options.Deadline.TotalMilliseconds, NoVerdict);
        });
        Receive<Beat>(_ =>
        {
            for (int i = 0; i < _cameras.Length; i++)
            {
                _registers.Increment(i, R.Heartbeat);
                int camera = i;
                _cameras[i].Camera.CameraActor.Ask<Messages.CameraStats>(new Messages.GetCameraStats(), TimeSpan.FromSeconds(1))
                    .ContinueWith(t => new CameraSeen(camera, t.IsCompletedSuccessfully && t.Result.Connected)).PipeTo(Self);
            }
        });
        Receive<CameraSeen>(s => SetStatusBit(s.Camera, R.CameraConnected, s.Connected));
        Receive<MqttPlcBridge.State>(state => _mqttState = state);
        Receive<GetPlcStats>(_ => Sender.Tell(Stats()));
    }

    public static Props Props(PlcOptions options) => Akka.Actor.Props.Create(() => new PlcActor(options));

    /// <summary>A trigger from an MQTT command topic: a part (null: one assigned) at a camera.</summary>
    public sealed record TriggerFromMqtt(string Line, string Camera, uint? Part);

    private PlcVerdict NoVerdict => _options.NoVerdict == NoVerdictMeaning.Hold ? PlcVerdict.Hold : PlcVerdict.Ng;

    protected override void PreStart()
    {
        _server?.Start(); // throws (and the actor fails to start) when the address is taken: serve checks it first
        if (_options.Mqtt is { } broker) _mqtt = Context.ActorOf(MqttPlcBridge.Props(broker.Host, broker.Port), "mqtt");
        Timers.StartPeriodicTimer("beat", Beat.Instance, TimeSpan.FromSeconds(1));
        _log.Info("PLC handshake: {0} for {1} camera(s)", _server is null ? "no Modbus server" : $"Modbus TCP on {_server.LocalEndpoint}", _cameras.Length);
    }

    protected override void PostStop() => _server?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));

    private void OnWritten(Written w)
    {
        for (int address = w.Address; address < w.Address + w.Values.Length; address++)
        {
            int camera = address / R.Block, offset = address % R.Block;
            ushort value = w.Values[address - w.Address];
            if (offset == R.Ack && value != 0)
            {
                SetStatusBit(camera, R.ResultReady, false);
                _registers.Set(camera, (R.Ack, 0));
                _cameras[camera].Unacknowledged = false;
            }
            else if (offset == R.Trigger && value != 0)
            {
                _registers.Set(camera, (R.Trigger, 0));
                uint part = ((uint)_registers.Get(camera, R.PartHigh) << 16) | _registers.Get(camera, R.PartLow);
                Trigger(camera, part == 0 ? null : part);
            }
        }
    }

    private void Trigger(int camera, uint? given)
    {
        var state = _cameras[camera];
        if (state.Pending != null)
        {
            state.Refused++;
            _registers.Increment(camera, R.Refused);
            _log.Warning("Camera {0} of line {1}: trigger refused, part {2} is still pending", state.Camera.Camera, state.Camera.Line, state.Pending);
            return;
        }
        uint id = given ?? (0x8000_0000u | (++_assigned & 0x7FFF_FFFFu));
        string part = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        state.Pending = part;
        state.PendingSince = DateTime.UtcNow;
        state.Parts++;
        state.LastPart = part;
        _registers.Increment(camera, R.Parts);
        _registers.Set(camera, (R.Status, (ushort)((_registers.Get(camera, R.Status) | R.Busy) & ~R.ResultReady)));
        state.Camera.CameraActor.Tell(new CameraActor.TriggerPart(part, DateTime.UtcNow + _options.Deadline), Self);
        Timers.StartSingleTimer($"deadline-{camera}", new Deadline(camera, part), _options.Deadline);
    }

    private void Verdict(string part, (PlcVerdict Verdict, PlcResultCode Code, float Score) outcome, string? reason, string? resultId)
    {
        int camera = Array.FindIndex(_cameras, c => c.Pending == part || c.TimedOut.ContainsKey(part));
        if (camera < 0) return;
        var state = _cameras[camera];
        if (state.TimedOut.Remove(part, out var since))
        {
            state.Late++;
            _registers.Increment(camera, R.Late);
            _log.Info("Part {0}: its result came after the deadline (stored, not sent to the PLC)", part);
            Tell(new PartVerdict(state.Camera.Line, state.Camera.Camera, part, outcome.Verdict, outcome.Code, outcome.Score, reason,
                (DateTime.UtcNow - since).TotalMilliseconds, resultId, Late: true));
            return;
        }
        Timers.Cancel($"deadline-{camera}");
        if (outcome.Code != PlcResultCode.Inspected)
        {
            state.Failures++;
            _log.Warning("Part {0} at camera {1} of line {2}: {3} ({4})", part, state.Camera.Camera, state.Camera.Line, outcome.Code, reason);
        }
        Write(camera, part, outcome.Verdict, outcome.Code, outcome.Score, reason, resultId);
    }

    private void Tell(PartVerdict verdict)
    {
        foreach (var listener in _options.Listeners) listener.Tell(verdict);
        _mqtt?.Tell(verdict);
    }

    /// <summary>Writes a part's verdict in one step (verdict, code, part id, score, busy off, result ready) and tells the listeners.</summary>
    private void Write(int camera, string part, PlcVerdict verdict, PlcResultCode code, float score, string? reason, string? resultId)
    {
        var state = _cameras[camera];
        uint id = uint.Parse(part, System.Globalization.CultureInfo.InvariantCulture);
        ushort scaled = float.IsFinite(score) ? (ushort)Math.Clamp(Math.Round(score * 1000), 0, ushort.MaxValue) : (ushort)0;
        ushort status = (ushort)((_registers.Get(camera, R.Status) & ~R.Busy) | R.ResultReady);
        _registers.Set(camera, (R.Verdict, (ushort)verdict), (R.ResultCode, (ushort)code), (R.ResultPartHigh, (ushort)(id >> 16)),
            (R.ResultPartLow, (ushort)id), (R.Score, scaled), (R.Status, status));
        Tell(new PartVerdict(state.Camera.Line, state.Camera.Camera, part, verdict, code, score, reason, (DateTime.UtcNow - state.PendingSince).TotalMilliseconds, resultId));
        state.Pending = null;
        state.Unacknowledged = true;
        switch (verdict)
        {
            case PlcVerdict.Ok: state.Ok++; break;
            case PlcVerdict.Ng: state.Ng++; break;
            case PlcVerdict.Hold: state.Hold++; break;
        }
    }

    private void SetStatusBit(int camera, ushort bit, bool on)
    {
        ushort status = _registers.Get(camera, R.Status);
        _registers.Set(camera, (R.Status, on ? (ushort)(status | bit) : (ushort)(status & ~bit)));
    }

    private PlcStats Stats()
    {
        var last = _server?.LastRequestAt;
        return new PlcStats(_server?.LocalEndpoint.ToString(), _server?.Requests ?? 0, last, last is null || DateTimeOffset.UtcNow - last > _options.SilentAfter,
            _cameras.Select(c => new PlcCameraStats(c.Camera.Line, c.Camera.Camera, c.Parts, c.Ok, c.Ng, c.Hold, c.Timeouts, c.Failures, c.Refused, c.Late,
                c.Pending != null, c.Unacknowledged, c.LastPart)).ToList(),
            _options.Mqtt is null ? null : _mqttState ?? new MqttPlcBridge.State("connecting", false));
    }

    private sealed class CameraState(PlcCamera camera)
    {
        public PlcCamera Camera { get; } = camera;
        public string? Pending { get; set; }
        public DateTime PendingSince { get; set; }
        public string? LastPart { get; set; }
        /// <summary>Parts that got a timeout verdict and whose result may still come (then late).</summary>
        public Dictionary<string, DateTime> TimedOut { get; } = [];
        public bool Unacknowledged { get; set; }
        public long Parts, Ok, Ng, Hold, Timeouts, Failures, Refused, Late;
    }

    private sealed record Written(int Address, ushort[] Values);

    private sealed record Deadline(int Camera, string Part);

    private sealed record CameraSeen(int Camera, bool Connected);

    private sealed class Beat
    {
        public static readonly Beat Instance = new();
    }
}
