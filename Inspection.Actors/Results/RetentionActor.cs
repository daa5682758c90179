using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Messages;
using Inspection.Actors.Registry;

namespace Inspection.Actors.Results;

/// <summary>
/// Keeps each line's results within its <see cref="Retention"/>, in bounded steps in the background: every interval
/// (at once again while a line has more to remove) it removes, per line, at most <see cref="BatchSize"/> results past
/// their age and then, oldest passing first, enough to bring the line under its size limit. A removed result loses its
/// row here and its images on the gpu node that keeps them (<see cref="ForgetResultImages"/>, told to every gpu node,
/// which also deletes, at most every <see cref="OrphanInterval"/>, its own files of the line older than anything the
/// line keeps: images whose row never came). The
/// line's journal events go when its next snapshot lets them (<see cref="Lines.LineActor"/>). The audit trail keeps
/// changes for <see cref="Retention.AuditKept"/> of the node's defaults. Scoring never waits for it:
/// the steps run on the thread pool, one at a time, and a failed step is logged and tried at the next interval.
/// </summary>
public sealed class RetentionActor : ReceiveActor, IWithTimers
{
    /// <summary>Results removed per line per step at the most.</summary>
    public const int BatchSize = 500;
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    /// <summary>Files written this long before the oldest result a line keeps are still its (written just before their result completed).</summary>
    private static readonly TimeSpan FileMargin = TimeSpan.FromHours(1);
    /// <summary>
    /// How often a line's orphans are looked for: finding them lists the line's whole image folder on every gpu node,
    /// too much for every step of a line with months of images.
    /// </summary>
    public static readonly TimeSpan OrphanInterval = TimeSpan.FromHours(1);
    private readonly ResultStore _store;
    private readonly IActorRef _registry;
    private readonly Retention _defaults;
    private readonly TimeSpan _interval;
    private readonly Action<ForgetResultImages> _forget;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, LineStorage> _storage = new(StringComparer.Ordinal);
    // When each line's orphans were last looked for; touched only by Step, which runs one at a time.
    private readonly Dictionary<string, DateTimeOffset> _orphansSought = new(StringComparer.Ordinal);
    private bool _sweeping;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Asks for a line's storage as of the last step; answered with <see cref="LineStorage"/> (null fields: not swept yet).</summary>
    public sealed record GetLineStorage(string Line);

    /// <summary>
    /// A line's storage: its retention, the results and bytes kept (rows and images, as retention counts them), and the
    /// results and bytes removed since this sweeper started (a cluster singleton: it starts again on another ingest
    /// node when its node leaves). At: when it was measured (null: not yet).
    /// </summary>
    public sealed record LineStorage(string Line, Retention Retention, long KeptResults, long KeptBytes, long RemovedResults, long RemovedBytes,
        DateTimeOffset? At);

    /// <summary>Sweep now (tests, and the step after one that left more to remove).</summary>
    public sealed record Sweep
    {
        public static readonly Sweep Now = new();
    }

    /// <param name="forget">How images are forgotten: told to every gpu node's <see cref="ResultImagesActor"/> (<see cref="ResultImageSource.Forget"/>).</param>
    public RetentionActor(ResultStore store, IActorRef registry, Retention defaults, TimeSpan interval, Action<ForgetResultImages> forget)
    {
        _store = store;
        _registry = registry;
        _defaults = defaults;
        _interval = interval;
        _forget = forget;
        Receive<Sweep>(_ =>
        {
            if (_sweeping) return;
            _sweeping = true;
            Step().PipeTo(Self, failure: e => new Swept([], false, e));
        });
        Receive<Swept>(s =>
        {
            _sweeping = false;
            if (s.Error != null) _log.Warning("Retention step failed (tried again in {0:0.#} s): {1}", _interval.TotalSeconds, s.Error.GetBaseException().Message);
            foreach (var line in s.Lines)
            {
                var before = _storage.GetValueOrDefault(line.Line);
                var now = line with { RemovedResults = line.RemovedResults + (before?.RemovedResults ?? 0), RemovedBytes = line.RemovedBytes + (before?.RemovedBytes ?? 0) };
                _storage[line.Line] = now;
                StorageMetrics.SetKept(line.Line, now.KeptResults, now.KeptBytes);
            }
            foreach (var gone in _storage.Keys.Except(s.Lines.Select(l => l.Line)).ToList())
                if (s.Error == null)
                {
                    _storage.Remove(gone);
                    StorageMetrics.Forget(gone);
                }
            if (s.More) Timers.StartSingleTimer("more", Sweep.Now, TimeSpan.FromMilliseconds(200));
        });
        Receive<GetLineStorage>(g => Sender.Tell(_storage.GetValueOrDefault(g.Line) ?? new LineStorage(g.Line, _defaults, 0, 0, 0, 0, null)));
    }

    public static Props Props(ResultStore store, IActorRef registry, Retention defaults, TimeSpan interval, Action<ForgetResultImages> forget) =>
        Akka.Actor.Props.Create(() => new RetentionActor(store, registry, defaults, interval, forget));

    protected override void PreStart() => Timers.StartPeriodicTimer("sweep", Sweep.Now, TimeSpan.FromSeconds(Math.Min(5, _interval.TotalSeconds)), _interval);

    /// <summary>One step over every line the registry knows: the lines' storage after it, and whether any has more to remove.</summary>
    private async Task<Swept> Step()
    {
        var list = await _registry.Ask<LineList>(new ListLines(), AskTimeout);
        var swept = new List<LineStorage>();
        bool more = false;
        foreach (var line in list.Lines.Select(l => l.Line))
        {
            var details = await _registry.Ask<LineDetails>(new GetLine(line), AskTimeout);
            if (!details.Known) continue;
            var retention = _defaults.For(details.Settings);
            var (storage, lineMore) = await SweepLine(line, retention, DateTimeOffset.UtcNow);
            swept.Add(storage);
            more |= lineMore;
        }
        foreach (var gone in _orphansSought.Keys.Except(swept.Select(l => l.Line)).ToList()) _orphansSought.Remove(gone);
        int audit = await _store.RemoveAuditBefore(DateTimeOffset.UtcNow - _defaults.AuditKept);
        if (audit > 0) _log.Info("{0} changes older than {1:0.###} days removed from the audit trail", audit, _defaults.AuditKept.TotalDays);
        return new Swept(swept, more, null);
    }

    private async Task<(LineStorage Storage, bool More)> SweepLine(string line, Retention retention, DateTimeOffset now)
    {
        var expired = await _store.Expired(line, now - retention.Keep, now - retention.KeepFlagged, BatchSize);
        var filesBefore = default(DateTimeOffset);
        if (!_orphansSought.TryGetValue(line, out var sought) || now - sought >= OrphanInterval)
        {
            filesBefore = now - retention.KeepFlagged - FileMargin;
            _orphansSought[line] = now;
        }
        await Remove(line, expired, "age", filesBefore);
        bool more = expired.Count == BatchSize;
        var usage = await _store.Usage(line);
        long removedResults = expired.Count, removedBytes = expired.Sum(r => r.Bytes);
        if (!more && usage.Bytes > retention.MaxBytes)
        {
            var passing = await _store.Oldest(line, flagged: false, BatchSize);
            // Flagged results go for size only once no passing result is left (the next step's, if this batch is full).
            var flagged = passing.Count < BatchSize ? await _store.Oldest(line, flagged: true, BatchSize) : [];
            var bySize = Retention.ToFree(usage.Bytes - retention.MaxBytes, passing, flagged);
            await Remove(line, bySize, "size", default);
            removedResults += bySize.Count;
            long freed = bySize.Sum(r => r.Bytes);
            removedBytes += freed;
            usage = new StoredUsage(usage.Results - bySize.Count, usage.ImageBytes - bySize.Sum(r => r.ImageBytes));
            more = usage.Bytes > retention.MaxBytes && bySize.Count > 0;
        }
        return (new LineStorage(line, retention, usage.Results, usage.Bytes, removedResults, removedBytes, now), more);
    }

    /// <summary>Images first (on every gpu node), then rows: a row never outlives the order to delete its images.</summary>
    private async Task Remove(string line, IReadOnlyList<StoredFootprint> results, string reason, DateTimeOffset filesBefore)
    {
        var paths = results.Where(r => r.ImagesAt != null).Select(r => r.ImagesAt!).ToList();
        if (paths.Count > 0 || filesBefore != default) _forget(new ForgetResultImages(line, paths, filesBefore));
        if (results.Count == 0) return;
        await _store.Remove(results.Select(r => r.Id).ToList());
        var tags = new[] { new KeyValuePair<string, object?>("line", line), new KeyValuePair<string, object?>("reason", reason) };
        StorageMetrics.RemovedResults.Add(results.Count, tags);
        StorageMetrics.RemovedBytes.Add(results.Sum(r => r.Bytes), tags);
        _log.Info("Line {0}: {1} results removed by {2} ({3:0.#} MB)", line, results.Count, reason, results.Sum(r => r.Bytes) / 1048576.0);
    }

    private sealed record Swept(IReadOnlyList<LineStorage> Lines, bool More, Exception? Error);
}

/// <summary>The key of this node's <see cref="RetentionActor"/> in the actor registry.</summary>
public sealed class RetentionKeeper;

public static class RetentionHosting
{
    /// <summary>
    /// Retention of the results in <paramref name="store"/>, as a cluster singleton on the oldest ingest node (where
    /// lines store them), with a proxy on every ingest node: ingest nodes share one database, and two sweepers would
    /// race to remove the same rows and count them twice.
    /// </summary>
    public static AkkaConfigurationBuilder WithRetention(this AkkaConfigurationBuilder builder, ResultStore store, Retention defaults, TimeSpan interval) =>
        Akka.Cluster.Hosting.AkkaClusterHostingExtensions.WithSingleton<RetentionKeeper>(builder, "retention",
            (system, registry, _) => RetentionActor.Props(store, registry.Get<ModelRegistry>(), defaults, interval, forget => ResultImageSource.Forget(system, forget)),
            new Akka.Cluster.Hosting.ClusterSingletonOptions { Role = "ingest" }, createProxyToo: true);
}
