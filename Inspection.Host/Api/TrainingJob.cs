using Inspection.Actors.Messages;

namespace Inspection.Host.Api;

/// <summary>
/// One training or good-images job as the API node follows it: updated from the coordinator's progress messages and
/// its final answer (by its <see cref="JobWatcher"/>), read by GET /jobs/{id}. Thread-safe: one lock per job.
/// </summary>
public sealed class TrainingJob(string id, string line, string kind)
{
    public const string Queued = "queued", Running = "running", Succeeded = "succeeded", Failed = "failed", Cancelled = "cancelled";
    // Share of the whole job each stage ends at (features are most of the work at small coreset ratios, the coreset at large).
    private static readonly Dictionary<string, (double From, double To)> Stages = new()
    {
        ["started"] = (0, 0), ["features"] = (0, 0.45), ["coreset"] = (0.45, 0.9), ["extension"] = (0.9, 0.93),
        ["calibration"] = (0.93, 0.98), ["storing"] = (0.98, 1.0),
    };
    private readonly object _gate = new();
    private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;
    private string _state = Queued;
    private string? _stage, _version, _error;
    private double _progress;
    private long _images, _imagesTotal, _coreset, _coresetTotal;
    private long? _bankSize;
    private CalibrationView? _calibration;
    private DateTimeOffset? _started, _finished;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the job has ended (succeeded, failed or cancelled).</summary>
    public Task Ended => _ended.Task;

    public string Id => id;
    public string Line => line;
    public bool Finished { get { lock (_gate) return _finished != null; } }

    public void Progressed(TrainingProgressed p)
    {
        lock (_gate)
        {
            if (_finished != null) return;
            _state = Running;
            _started ??= DateTimeOffset.UtcNow;
            _stage = p.Stage;
            if (p.Stage == "features") (_images, _imagesTotal) = (p.Done, p.Total);
            if (p.Stage == "coreset") (_coreset, _coresetTotal) = (p.Done, p.Total);
            if (Stages.TryGetValue(p.Stage, out var span))
                _progress = Math.Max(_progress, span.From + (span.To - span.From) * (p.Total > 0 ? Math.Clamp((double)p.Done / p.Total, 0, 1) : 0));
        }
    }

    public void Complete(TrainingCompleted done, CalibrationView? calibration)
    {
        lock (_gate)
        {
            if (_finished != null) return;
            (_state, _progress, _version, _bankSize, _calibration, _finished) = (Succeeded, 1, done.Version, done.BankSize, calibration, DateTimeOffset.UtcNow);
            _stage = "done";
        }
        _ended.TrySetResult();
    }

    public void Stop(string reason, bool cancelled)
    {
        lock (_gate)
        {
            if (_finished != null) return;
            (_state, _error, _finished) = (cancelled ? Cancelled : Failed, cancelled ? null : reason, DateTimeOffset.UtcNow);
        }
        _ended.TrySetResult();
    }

    public JobView View()
    {
        lock (_gate)
        {
            double? eta = null;
            if (_finished == null && _started != null && _progress > 0.01)
            {
                double elapsed = (DateTimeOffset.UtcNow - _started.Value).TotalSeconds;
                eta = Math.Round(elapsed / _progress * (1 - _progress), 1);
            }
            return new JobView(id, line, kind, _state, _stage, Math.Round(_progress, 4), _images, _imagesTotal, _coreset, _coresetTotal, eta,
                _version, _bankSize, _calibration, _error, _created, _finished);
        }
    }
}
