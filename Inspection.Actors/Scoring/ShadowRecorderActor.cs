using Akka.Actor;
using Akka.Event;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Extraction;
using Inspection.Actors.Messages;
using Inspection.Actors.Results;

namespace Inspection.Actors.Scoring;

/// <summary>
/// A gpu node's shadow verdicts: it sends each sampled batch to the shadow version's scorer itself, or each sampled
/// request to the node's shadow extraction when the shadow computes other features (so every answer comes here,
/// never to the line, its sinks or a PLC), stores the verdicts beside the frames' results by result id,
/// and counts how each compares with the active verdict once that is stored (<see cref="PipelineMetrics.ShadowVerdicts"/>).
/// Writes are batched, one at a time; a verdict whose result is not stored yet is compared on a later write, for up
/// to <see cref="CompareFor"/>.
/// </summary>
public sealed class ShadowRecorderActor : ReceiveActor, IWithTimers
{
    /// <summary>Shadow verdicts waiting for their frame's result, at most this long (a result the line failed to store never comes).</summary>
    public static readonly TimeSpan CompareFor = TimeSpan.FromMinutes(2);
    private const int MaxExpected = 20_000;
    private readonly ResultStore? _store;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<FrameId, (string ResultId, string Version)> _expected = new();
    private List<ShadowVerdict> _toWrite = [];
    private List<(ShadowVerdict Verdict, DateTime Since)> _toCompare = [];
    private bool _writing;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="store">Where verdicts are stored; null (a node without a database in tests): they are only logged at debug level.</param>
    public ShadowRecorderActor(ResultStore? store)
    {
        _store = store;
        Receive<Score>(OnScore);
        Receive<Extract>(OnExtract);
        Receive<InspectionResult>(OnResult);
        Receive<Written>(OnWritten);
        Receive<Flush>(_ => { if (!_writing) Write(); });
    }

    public static Props Props(ResultStore? store) => Akka.Actor.Props.Create(() => new ShadowRecorderActor(store));

    /// <summary>A sampled batch of the active version, for the shadow's <paramref name="Scorer"/>; frames without a result id are left out.</summary>
    public sealed record Score(ModelDeployment Shadow, ScoreFrames Batch, IActorRef Scorer);

    /// <summary>
    /// A sampled request of the active version, for a shadow with features of its own: its frames go to
    /// <paramref name="Extraction"/> (the node's shadow batching or tiling, which answer with the shadow's scorer) for
    /// the shadow's version, keeping no images; frames without a result id are left out.
    /// </summary>
    public sealed record Extract(ModelDeployment Shadow, ExtractFrames Request, IActorRef Extraction);

    private void OnScore(Score s)
    {
        if (s.Batch.Encoded is not { } captured || !Expect(captured, s.Shadow)) return;
        // The features only: a remote replica of the shadow is sent them, not the frames (its node extracts for the active version).
        s.Scorer.Tell(new ScoreFrames(s.Batch.Frames, s.Batch.Patches), Self);
    }

    private void OnExtract(Extract e)
    {
        if (!Expect(e.Request.Frames, e.Shadow)) return;
        // Expected before they leave, so no answer can come first; the frame's images are the active version's to keep.
        var frames = e.Request.Frames.Select(f => f with { Images = ImagePolicy.None }).ToList();
        e.Extraction.Tell(new Deployed<ExtractFrames>(new ExtractFrames(e.Request.Line, e.Shadow.Version, frames), e.Shadow), Self);
    }

    /// <summary>Notes which result each frame's shadow verdict goes beside; false when some frame has none (nothing to store it beside).</summary>
    private bool Expect(IReadOnlyList<CapturedFrame> captured, ModelDeployment shadow)
    {
        if (captured.Any(c => c.ResultId is null)) return false;
        if (_expected.Count > MaxExpected)
        {
            _log.Warning("Shadow scorer answers missing for {0} frames; forgotten", _expected.Count);
            _expected.Clear();
        }
        foreach (var c in captured) _expected[c.Frame] = (c.ResultId!, shadow.Version);
        return true;
    }

    private void OnResult(InspectionResult r)
    {
        if (!_expected.Remove(r.Frame, out var expected)) return;
        string verdict = r.Error != null ? ResultWords.Error : r.Defective ? ResultWords.Fail : ResultWords.Pass;
        _toWrite.Add(new ShadowVerdict(expected.ResultId, r.Frame.Line, expected.Version, r.Score, verdict, r.Error, DateTimeOffset.UtcNow));
        if (!_writing) Write();
    }

    private void Write()
    {
        if (_store is null)
        {
            _toWrite.Clear();
            return;
        }
        var batch = _toWrite;
        _toWrite = [];
        var compare = _toCompare.Concat(batch.Select(v => (Verdict: v, Since: DateTime.UtcNow))).ToList();
        _toCompare = [];
        _writing = true;
        var store = _store;
        Task.Run(async () =>
        {
            await store.InsertShadow(batch);
            return await store.Verdicts(compare.Select(c => c.Verdict.ResultId).Distinct().ToList());
        }).ContinueWith(t => new Written(batch, compare, t.IsCompletedSuccessfully ? t.Result : null, t.Exception?.GetBaseException())).PipeTo(Self);
    }

    private void OnWritten(Written w)
    {
        _writing = false;
        if (w.Error != null)
        {
            // Kept and written again: a database away for a while loses no shadow verdict (within a bound).
            _log.Warning("{0} shadow verdicts not stored yet (tried again): {1}", w.Batch.Count, w.Error.Message);
            _toWrite.InsertRange(0, w.Batch);
            if (_toWrite.Count > MaxExpected) _toWrite.RemoveRange(0, _toWrite.Count - MaxExpected);
            _toCompare.AddRange(w.Compare.Where(c => DateTime.UtcNow - c.Since < CompareFor && !w.Batch.Contains(c.Verdict)));
            Timers.StartSingleTimer("flush", Flush.Instance, TimeSpan.FromSeconds(2));
            return;
        }
        foreach (var (verdict, since) in w.Compare)
        {
            if (w.Active!.TryGetValue(verdict.ResultId, out var active))
                PipelineMetrics.ShadowVerdicts.Add(1, new("line", verdict.Line), new("version", verdict.Version), new("agreement", Agreement(active, verdict.Verdict)));
            else if (DateTime.UtcNow - since < CompareFor) _toCompare.Add((verdict, since));
        }
        if (_toWrite.Count > 0) Write();
        else if (_toCompare.Count > 0) Timers.StartSingleTimer("flush", Flush.Instance, TimeSpan.FromSeconds(1));
    }

    public static string Agreement(string active, string shadow) =>
        active == ResultWords.Error || shadow == ResultWords.Error ? "error"
        : active == shadow ? $"both-{active}" : $"{active}-to-{shadow}";

    private sealed class Flush
    {
        public static readonly Flush Instance = new();
    }

    private sealed record Written(List<ShadowVerdict> Batch, List<(ShadowVerdict Verdict, DateTime Since)> Compare,
        IReadOnlyDictionary<string, string>? Active, Exception? Error);
}
