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
/// later is counted as late and never written as a second verdict. Up to <see cref="PlcOptions.MaxPending"/> parts per
/// camera are pending at once (a line faster than one verdict's latency); a trigger beyond that is refused and counted,
/// so a trigger storm cannot pile up parts the PLC waits for. Verdicts wait in a queue per camera: the registers show
/// the oldest until the PLC acknowledges it, then the next, so a PLC that polls slower than verdicts come misses none.
/// MQTT triggers come through <see cref="TriggerFromMqtt"/> the same way.
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
            if (!state.Pending.ContainsKey(d.Part)) return;
            state.Timeouts++;
            _registers.Increment(d.Camera, R.Timeouts);
            var triggeredAt = state.Pending[d.Part];
            state.RememberTimedOut(d.Part);
            string reason = $"no verdict within {_options.Deadline.TotalMilliseconds} ms";
            Write(d.Camera, d.Part, NoVerdict, PlcResultCode.Timeout, float.NaN, reason, null);
            // The line's sinks hear of the timeout as of a result: through the line's journal.
            state.Camera.LineActor?.Tell(new Messages.PartTimedOut($"timeout-{Guid.CreateVersion7():N}", state.Camera.Line, state.Camera.Camera, d.Part,
                NoVerdict == PlcVerdict.Hold ? "hold" : "ng", reason, new DateTimeOffset(triggeredAt, TimeSpan.Zero), DateTimeOffset.UtcNow));
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
                _registers.Set(camera, (R.Ack, 0));
                var queue = _cameras[camera].Verdicts;
                if (queue.Count > 0) queue.Dequeue();
                ShowVerdict(camera);
            }
            else if (offset == R.Trigger && value != 0)
            {
                _registers.Set(camera, (R.Trigger, 0));
                // The id written with this trigger, when the same write carried it: a PLC that triggers the next part
                // before this message is handled has written the next id into the registers meanwhile.
                ushort Word(int offset)
                {
                    int at = camera * R.Block + offset;
                    return at >= w.Address && at < w.Address + w.Values.Length ? w.Values[at - w.Address] : _registers.Get(camera, offset);
                }
                uint part = ((uint)Word(R.PartHigh) << 16) | Word(R.PartLow);
                Trigger(camera, part == 0 ? null : part);
            }
        }
    }

    private void Trigger(int camera, uint? given)
    {
        var state = _cameras[camera];
        uint id = given ?? (0x8000_0000u | (++_assigned & 0x7FFF_FFFFu));
        string part = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (state.Pending.Count >= _options.MaxPending || state.Pending.ContainsKey(part))
        {
            state.Refused++;
            _registers.Increment(camera, R.Refused);
            _log.Warning("Camera {0} of line {1}: trigger of part {2} refused, {3}", state.Camera.Camera, state.Camera.Line, part,
                state.Pending.ContainsKey(part) ? "that part is pending" : $"{state.Pending.Count} parts are pending (at most {_options.MaxPending})");
            return;
        }
        state.Pending[part] = DateTime.UtcNow;
        state.Parts++;
        state.LastPart = part;
        _registers.Increment(camera, R.Parts);
        SetStatusBit(camera, R.Busy, true);
        state.Camera.CameraActor.Tell(new CameraActor.TriggerPart(part, DateTime.UtcNow + _options.Deadline), Self);
        Timers.StartSingleTimer($"deadline-{camera}-{part}", new Deadline(camera, part), _options.Deadline);
    }

    private void Verdict(string part, (PlcVerdict Verdict, PlcResultCode Code, float Score) outcome, string? reason, string? resultId)
    {
        int camera = Array.FindIndex(_cameras, c => c.Pending.ContainsKey(part) || c.TimedOut.ContainsKey(part));
        if (camera < 0) return;
        var state = _cameras[camera];
        if (state.TimedOut.Remove(part, out var since))
        {
            if (outcome.Code == PlcResultCode.NoFrame)
            {
                // Its frame never came: there is no result, late or not.
                _log.Info("Part {0}: after its timeout verdict, no frame came either ({1})", part, reason);
                return;
            }
            state.Late++;
            _registers.Increment(camera, R.Late);
            _log.Info("Part {0}: its result came after the deadline (stored, not sent to the PLC)", part);
            Tell(new PartVerdict(state.Camera.Line, state.Camera.Camera, part, outcome.Verdict, outcome.Code, outcome.Score, reason,
                (DateTime.UtcNow - since).TotalMilliseconds, resultId, Late: true));
            return;
        }
        Timers.Cancel($"deadline-{camera}-{part}");
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

    /// <summary>Queues a part's verdict for the PLC (shown at once when none waits for an ack) and tells the listeners.</summary>
    private void Write(int camera, string part, PlcVerdict verdict, PlcResultCode code, float score, string? reason, string? resultId)
    {
        var state = _cameras[camera];
        state.Pending.Remove(part, out var since);
        if (state.Verdicts.Count >= MaxQueued)
        {
            // A PLC that does not acknowledge: the oldest verdicts it has not seen make room (the newest matter on a running line).
            var dropped = state.Verdicts.Dequeue();
            _log.Warning("Camera {0} of line {1}: {2} verdicts wait for the PLC's ack; part {3}'s is dropped from the queue", state.Camera.Camera,
                state.Camera.Line, MaxQueued, dropped.Part);
        }
        state.Verdicts.Enqueue(new QueuedVerdict(part, verdict, code, score));
        ShowVerdict(camera);
        Tell(new PartVerdict(state.Camera.Line, state.Camera.Camera, part, verdict, code, score, reason, (DateTime.UtcNow - since).TotalMilliseconds, resultId));
        switch (verdict)
        {
            case PlcVerdict.Ok: state.Ok++; break;
            case PlcVerdict.Ng: state.Ng++; break;
            case PlcVerdict.Hold: state.Hold++; break;
        }
    }

    /// <summary>Verdicts a camera queues for a PLC that does not acknowledge them, at most.</summary>
    private const int MaxQueued = 64;

    /// <summary>
    /// Shows the camera's oldest queued verdict in one step (verdict, code, part id, score, busy, result ready, queued),
    /// or clears result ready when none waits.
    /// </summary>
    private void ShowVerdict(int camera)
    {
        var state = _cameras[camera];
        ushort status = _registers.Get(camera, R.Status);
        status = state.Pending.Count > 0 ? (ushort)(status | R.Busy) : (ushort)(status & ~R.Busy);
        if (!state.Verdicts.TryPeek(out var head))
        {
            _registers.Set(camera, (R.Status, (ushort)(status & ~R.ResultReady)), (R.Queued, 0));
            return;
        }
        uint id = uint.Parse(head.Part, System.Globalization.CultureInfo.InvariantCulture);
        ushort scaled = float.IsFinite(head.Score) ? (ushort)Math.Clamp(Math.Round(head.Score * 1000), 0, ushort.MaxValue) : (ushort)0;
        _registers.Set(camera, (R.Verdict, (ushort)head.Verdict), (R.ResultCode, (ushort)head.Code), (R.ResultPartHigh, (ushort)(id >> 16)),
            (R.ResultPartLow, (ushort)id), (R.Score, scaled), (R.Status, (ushort)(status | R.ResultReady)), (R.Queued, (ushort)Math.Min(state.Verdicts.Count, ushort.MaxValue)));
    }

    private sealed record QueuedVerdict(string Part, PlcVerdict Verdict, PlcResultCode Code, float Score);

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
                c.Pending.Count > 0, c.Verdicts.Count > 0, c.LastPart)).ToList(),
            _options.Mqtt is null ? null : _mqttState ?? new MqttPlcBridge.State("connecting", false));
    }

    private sealed class CameraState(PlcCamera camera)
    {
        public PlcCamera Camera { get; } = camera;
        /// <summary>Parts triggered and without a verdict, with when each was triggered.</summary>
        public Dictionary<string, DateTime> Pending { get; } = [];
        /// <summary>Verdicts waiting for the PLC's ack, the one shown in the registers first.</summary>
        public Queue<QueuedVerdict> Verdicts { get; } = new();
        public string? LastPart { get; set; }
        /// <summary>Parts that got a timeout verdict and whose result may still come (then late), at most <see cref="MaxTimedOut"/>.</summary>
        public Dictionary<string, DateTime> TimedOut { get; } = [];
        private readonly Queue<string> _timedOutOrder = new();

        /// <summary>
        /// Timed-out parts remembered per camera: a line far behind (or a frame that never comes) would otherwise grow the
        /// map without end; a result for a part forgotten this way is still stored (marked late by its line), not counted here.
        /// </summary>
        public const int MaxTimedOut = 4096;

        public void RememberTimedOut(string part)
        {
            TimedOut[part] = Pending[part];
            _timedOutOrder.Enqueue(part);
            while (_timedOutOrder.Count > MaxTimedOut) TimedOut.Remove(_timedOutOrder.Dequeue());
        }
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
