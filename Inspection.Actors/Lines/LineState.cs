using Akka.Actor;
using Inspection.Actors.Messages;
using Inspection.Actors.Scoring;

namespace Inspection.Actors.Lines;

/// <summary>
/// What a production line's intake knows and decides, without an actor: the frames in flight (at most
/// <see cref="LineOptions.MaxInFlight"/>), each frame's attempts, retries and deadlines, client keys for idempotent
/// retries, the silent-node rule, the verdict at the line's current threshold, and the counters. <see cref="LineActor"/>
/// persists, replies and schedules what these methods decide; the clock is passed in, so every rule is tested here with
/// plain values (LineStateTests).
/// </summary>
public sealed class LineState(string line, LineOptions options, ExtractorRoute? route)
{
    private readonly Dictionary<FrameId, OpenFrame> _open = new();
    // Client keys of open frames, of frames whose result is being stored, and of recent results (oldest first in
    // _recentOrder) for retries after completion.
    private readonly Dictionary<string, FrameId> _openKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _persisting = new(StringComparer.Ordinal); // client key -> result id
    private readonly Dictionary<string, StoredResult> _recent = new(StringComparer.Ordinal);
    private readonly Queue<string> _recentOrder = new();
    // Frames that arrived before the registry said whether this line has a model and what its settings are.
    private readonly List<CapturedFrame> _parked = [];
    // The current deployment and the one before it, by version: a frame scored on the version just replaced is judged
    // at that version's threshold (another version's scores are on another scale).
    private ModelDeployment? _previous;
    private bool _registryAnswered, _settingsRead;
    // When each gpu node last answered one of this line's frames, and the usual time from attempt to answer.
    private readonly Dictionary<Address, DateTime> _answeredAt = new();
    private double _usualAttemptMs;

    public string Line { get; } = line;
    public ModelDeployment? Deployment { get; private set; }
    /// <summary>Why frames fail while the line has no deployment.</summary>
    public string Missing { get; private set; } = "the model registry has not answered yet";
    /// <summary>As last read from the registry (null: unknown or none).</summary>
    public LineSettings? Settings { get; private set; }
    public long Accepted { get; private set; }
    public long Rejected { get; private set; }
    public long Scored { get; private set; }
    public long Failed { get; private set; }
    public long Flagged { get; private set; }
    public int InFlight => _open.Count;
    public ExtractorRoute? Route => route;

    /// <summary>The registry has said whether the line has a model, and what its settings are (whether to refuse frames of a far aspect).</summary>
    public bool Ready => _settingsRead && (Deployment != null || _registryAnswered);

    public LineStats Stats() => new(Line, Deployment?.Version, Accepted, Rejected, Scored, Failed, _open.Count, Flagged);

    public LineCounters Counters() => new(Scored, Failed, Flagged);

    public void Restore(LineCounters c) => (Scored, Failed, Flagged) = (c.Scored, c.Failed, c.Flagged);

    /// <summary>A result stored (now or before a restart): counted, and its client key remembered for retries.</summary>
    public void Stored(StoredResult r)
    {
        if (r.ClientKey != null) _persisting.Remove(r.ClientKey);
        if (r.Error != null) Failed++;
        else
        {
            Scored++;
            if (r.Defective) Flagged++;
        }
        if (r.ClientKey == null || options.RememberedKeys <= 0 || !_recent.TryAdd(r.ClientKey, r)) return;
        _recentOrder.Enqueue(r.ClientKey);
        while (_recentOrder.Count > options.RememberedKeys) _recent.Remove(_recentOrder.Dequeue());
    }

    // ---- Intake ----

    /// <summary>
    /// A frame from a camera or client. A repeated client key joins (or gets) that frame's result; a full window or a
    /// frame already open is refused; otherwise it is accepted with a result id, and dispatched at once unless the line
    /// is not ready (then it is parked until it is).
    /// </summary>
    public Intake Take(CapturedFrame captured, DateTime now)
    {
        if (captured.ClientKey is { } key)
        {
            if (_recent.TryGetValue(key, out var done)) return new Intake.Answered(done);
            if (_openKeys.TryGetValue(key, out var frame) && _open.TryGetValue(frame, out var open)) return new Intake.Joined(open.Captured.ResultId!);
            if (_persisting.TryGetValue(key, out var storing)) return new Intake.Joined(storing);
        }
        if (_open.Count >= options.MaxInFlight)
        {
            Rejected++;
            return new Intake.Refused($"line '{Line}' has {_open.Count} frames in flight (limit {options.MaxInFlight})", Dropped: true);
        }
        if (_open.ContainsKey(captured.Frame)) return new Intake.Refused($"frame {captured.Frame} is already being inspected", Dropped: false);
        Accepted++;
        if (captured.ResultId == null) captured = captured with { ResultId = Guid.CreateVersion7().ToString("N") };
        _open[captured.Frame] = new OpenFrame(captured, now, DateTimeOffset.UtcNow);
        if (captured.ClientKey != null) _openKeys[captured.ClientKey] = captured.Frame;
        if (Ready) return new Intake.Accepted(captured, Dispatch: true);
        _parked.Add(captured);
        return new Intake.Accepted(captured, Dispatch: false);
    }

    // ---- What the registry says ----

    /// <summary>The line's deployment (new, or its threshold changed); returns the parked frames to dispatch now.</summary>
    public IReadOnlyList<CapturedFrame> Deployed(ModelDeployment deployment)
    {
        if (Deployment != null && Deployment.Version != deployment.Version) _previous = Deployment;
        Deployment = deployment;
        _registryAnswered = true;
        return Unpark();
    }

    /// <summary>The registry has no model for the line, or did not answer: frames fail with <paramref name="reason"/>.</summary>
    public IReadOnlyList<CapturedFrame> NoModel(string reason)
    {
        Missing = reason;
        _registryAnswered = true;
        return Unpark();
    }

    /// <summary>The line's settings as read (null: the line is unknown, or its settings could not be read).</summary>
    public IReadOnlyList<CapturedFrame> SettingsRead(LineSettings? settings)
    {
        if (settings != null) Settings = settings;
        _settingsRead = true;
        return Unpark();
    }

    public void SettingsChanged(LineSettings? settings) => Settings = settings;

    public void Deleted()
    {
        Deployment = null;
        _previous = null;
        Settings = null;
        Missing = $"line '{Line}' was deleted";
    }

    private IReadOnlyList<CapturedFrame> Unpark()
    {
        if (!Ready || _parked.Count == 0) return [];
        var parked = _parked.ToList();
        _parked.Clear();
        return parked;
    }

    // ---- Attempts ----

    /// <summary>
    /// An attempt at an open frame: the request for the extractors and the gpu node chosen (null: the extractors'
    /// router chooses), or at the first attempt a failure when the line cannot score it (no model, an aspect the line
    /// refuses).
    /// </summary>
    public Attempt Dispatch(CapturedFrame captured, DateTime now)
    {
        if (Deployment is not { } d) return new Attempt.Fail(InspectionResult.Failure(captured.Frame, "", Missing, 0));
        var open = _open.GetValueOrDefault(captured.Frame);
        if (open is { Attempts: 0 })
        {
            // A tiled line cuts frames at their own size, so their aspect does not matter.
            if (!d.Tiled && Engine.Imaging.AutoImageSize.Mismatch(d.TrainingAspect, captured.Encoded) is { } mismatch)
            {
                if (Settings?.RefuseAspectMismatch == true)
                    return new Attempt.Fail(InspectionResult.Failure(captured.Frame, d.Version, $"refused: {mismatch} (the line refuses such frames)", 0));
                open.Warning = mismatch;
            }
            open.Scale = FrameTimeScale.Of(d, captured.Encoded, options.TilesPerTimeout);
        }
        var node = route?.Pick(d, OpenAt);
        if (open != null)
        {
            open.AttemptSince = now;
            open.Node = node;
        }
        return new Attempt.Send(new ExtractFrames(Line, d.Version, [captured with { Images = options.Images }]), node);
    }

    /// <summary>Another attempt at an open frame (a retry, a lost or silent node); null if it is no longer open.</summary>
    public Attempt? Again(FrameId frame, DateTime now)
    {
        if (!_open.TryGetValue(frame, out var open)) return null;
        open.RetryPending = false;
        open.Attempts++;
        return Dispatch(open.Captured, now);
    }

    private int OpenAt(Address node)
    {
        int open = 0;
        foreach (var o in _open.Values)
            if (o.Node == node && !o.RetryPending) open++;
        return open;
    }

    /// <summary>Open frames whose current attempt went to <paramref name="node"/> and awaits an answer.</summary>
    public IReadOnlyList<FrameId> AttemptsAt(Address node) => Deployment == null ? []
        : _open.Values.Where(o => !o.RetryPending && o.Node == node).Select(o => o.Captured.Frame).ToList();

    /// <summary>Open frames whose current attempt was made before <paramref name="before"/> and awaits an answer.</summary>
    public IReadOnlyList<FrameId> AttemptsBefore(DateTime before) => Deployment == null ? []
        : _open.Values.Where(o => !o.RetryPending && o.AttemptSince <= before).Select(o => o.Captured.Frame).ToList();

    // ---- Answers ----

    /// <summary>An answer came from <paramref name="node"/>; true when that node was silent and takes frames again.</summary>
    public bool AnsweredBy(Address node, DateTime now)
    {
        if (route == null) return false;
        _answeredAt[node] = now;
        if (!route.IsSilent(node)) return false;
        route.Answered(node);
        return true;
    }

    public void NodeRemoved(Address node)
    {
        route?.Removed(node);
        _answeredAt.Remove(node);
    }

    /// <summary>
    /// An answer for a frame: a retry while a failure of the cluster's leaves time before the frame's deadline, nothing
    /// for a frame no longer open (one result per frame), else the result to store, judged at the line's threshold.
    /// </summary>
    public Completion Complete(InspectionResult result, DateTime now)
    {
        if (!_open.TryGetValue(result.Frame, out var open)) return Completion.Ignored.Instance;
        if (result.Retryable && !open.RetryPending)
        {
            var wait = TimeSpan.FromMilliseconds(Math.Min(2000, 250 << Math.Min(open.Attempts, 3)));
            if (now + wait < open.Since + options.FrameTimeout * open.Scale)
            {
                open.RetryPending = true;
                open.LastError = result.Error;
                return new Completion.Retry(wait);
            }
        }
        _open.Remove(result.Frame);
        if (!result.Failed)
        {
            double ms = (now - open.AttemptSince).TotalMilliseconds;
            _usualAttemptMs = _usualAttemptMs == 0 ? ms : 0.9 * _usualAttemptMs + 0.1 * ms;
        }
        if (result.Retryable)
            result = result with { Error = $"{result.Error} (after {open.Attempts + 1} attempt(s); the frame deadline of {(options.FrameTimeout * open.Scale).TotalSeconds:0.#} s leaves no time for another)" };
        var captured = open.Captured;
        if (captured.ClientKey != null)
        {
            _openKeys.Remove(captured.ClientKey);
            _persisting[captured.ClientKey] = captured.ResultId!;
        }
        var judge = JudgeOf(result);
        result = judge == null ? result : result.Judged(judge);
        var completed = DateTimeOffset.UtcNow;
        var stored = new StoredResult(result.Frame, captured.Source, result.ModelVersion, result.Score, result.NormalisedScore, result.Defective,
            result.Error, (now - open.Since).TotalMilliseconds, result.Failed ? null : result.ImagesAt, completed, captured.ResultId!,
            captured.ClientKey, open.Received, result.Failed ? null : open.Warning, result.Failed ? 0 : result.ImagesBytes,
            result.Failed ? null : result.ImagesNotKept,
            // What the verdict was judged at, so every verdict names its threshold and the change that set it.
            result.Failed || judge == null ? float.NaN : judge.ImageThreshold, result.Failed ? null : judge?.ThresholdMethod,
            captured.Part, captured.Part != null && captured.PartDeadline != default && completed > captured.PartDeadline);
        return new Completion.Store(stored);
    }

    /// <summary>
    /// The verdict at the threshold of the version that scored the frame, as the line has it now (an operator may have
    /// moved it since training); a version older than the last two keeps its scorer's verdict.
    /// </summary>
    private ModelDeployment? JudgeOf(InspectionResult result) =>
        Deployment?.Version == result.ModelVersion ? Deployment : _previous?.Version == result.ModelVersion ? _previous : null;

    // ---- Time ----

    /// <summary>Frames past their deadline (to fail, with why), and attempts past theirs that got no answer (to make again).</summary>
    public (IReadOnlyList<InspectionResult> Expired, IReadOnlyList<FrameId> Overdue) Sweep(DateTime now)
    {
        var expired = _open.Values.Where(o => o.Since < now - options.FrameTimeout * o.Scale).Select(o => InspectionResult.Failure(o.Captured.Frame,
            Deployment?.Version ?? "",
            $"no result within the frame deadline of {(options.FrameTimeout * o.Scale).TotalSeconds:0.#} s after {o.Attempts + 1} attempt(s)" +
            (o.LastError != null ? $"; last: {o.LastError}" : " (a feature-extraction or shard node may have been lost)"),
            (options.FrameTimeout * o.Scale).TotalMilliseconds)).ToList();
        var overdue = Deployment == null ? []
            : _open.Values.Where(o => !o.RetryPending && o.AttemptSince < now - options.AttemptTimeout * o.Scale && expired.All(e => e.Frame != o.Captured.Frame))
                .Select(o => o.Captured.Frame).ToList();
        return (expired, overdue);
    }

    /// <summary>
    /// Gpu nodes whose attempts are overdue and that have answered none for as long (a node that died but is not yet
    /// found unreachable, which takes the failure detector 8 s or more), now passed over by the route, with their open
    /// frames to make again on another node. Their late answers, if they were only slow, are ignored (one result per frame).
    /// </summary>
    public IReadOnlyList<SilentNode> SilentNodes(DateTime now)
    {
        if (route == null || Deployment == null) return [];
        var limit = TimeSpan.FromMilliseconds(Math.Min(options.AttemptTimeout.TotalMilliseconds,
            Math.Max(options.SilentNodeAfter.TotalMilliseconds, 4 * _usualAttemptMs)));
        var silent = new List<SilentNode>();
        foreach (var group in _open.Values.Where(o => !o.RetryPending && o.Node != null).GroupBy(o => o.Node!).ToList())
        {
            var node = group.Key;
            var allowed = limit * group.Max(o => o.Scale);
            if (now - group.Min(o => o.AttemptSince) < allowed) continue;
            if (_answeredAt.TryGetValue(node, out var last) && now - last < allowed) continue;
            if (!route.Silence(Deployment, node)) continue;
            silent.Add(new SilentNode(node, allowed, group.Select(o => o.Captured.Frame).ToList()));
        }
        return silent;
    }

    public sealed record SilentNode(Address Node, TimeSpan Allowed, IReadOnlyList<FrameId> Frames);

    /// <summary>An accepted frame: since when, its attempts, and what its result will carry.</summary>
    private sealed class OpenFrame(CapturedFrame captured, DateTime since, DateTimeOffset received)
    {
        public CapturedFrame Captured { get; } = captured;
        public DateTime Since { get; } = since;
        public DateTimeOffset Received { get; } = received;
        public DateTime AttemptSince { get; set; } = since;
        public int Attempts { get; set; }
        public bool RetryPending { get; set; }
        public string? LastError { get; set; }
        /// <summary>Stored with its result: why its score is less reliable (its aspect).</summary>
        public string? Warning { get; set; }
        /// <summary>Its deadlines' multiple: a tiled frame's tiles over <see cref="LineOptions.TilesPerTimeout"/>.</summary>
        public double Scale { get; set; } = 1;
        /// <summary>The gpu node its current attempt went to, when the line routes frames itself.</summary>
        public Address? Node { get; set; }
    }
}

/// <summary>What becomes of a frame offered to a line (<see cref="LineState.Take"/>).</summary>
public abstract record Intake
{
    /// <summary>Its client key's frame is answered: the sender gets that result.</summary>
    public sealed record Answered(StoredResult Result) : Intake;

    /// <summary>Its client key's frame is open or being stored: the sender waits for that result.</summary>
    public sealed record Joined(string ResultId) : Intake;

    /// <summary>Refused (Dropped: for the back-pressure, which cameras count).</summary>
    public sealed record Refused(string Reason, bool Dropped) : Intake;

    /// <summary>Accepted with a result id; dispatched now, or parked until the line is ready.</summary>
    public sealed record Accepted(CapturedFrame Frame, bool Dispatch) : Intake;
}

/// <summary>An attempt at a frame (<see cref="LineState.Dispatch"/>).</summary>
public abstract record Attempt
{
    /// <summary>Send the request to the extractor on <paramref name="Node"/> (null: the extractors' router).</summary>
    public sealed record Send(ExtractFrames Request, Address? Node) : Attempt;

    /// <summary>The frame cannot be scored: complete it with this result.</summary>
    public sealed record Fail(InspectionResult Result) : Attempt;
}

/// <summary>What an answer for a frame leads to (<see cref="LineState.Complete"/>).</summary>
public abstract record Completion
{
    /// <summary>Not open any more (answered already, or failed by the sweep).</summary>
    public sealed record Ignored : Completion
    {
        public static readonly Ignored Instance = new();
    }

    /// <summary>Try again after <paramref name="Wait"/>.</summary>
    public sealed record Retry(TimeSpan Wait) : Completion;

    /// <summary>Store this result (its images, if any, are on the gpu node that scored it: <see cref="StoredResult.HeatmapPath"/>).</summary>
    public sealed record Store(StoredResult Result) : Completion;
}
