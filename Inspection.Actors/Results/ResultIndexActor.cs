using Akka.Actor;
using Akka.Hosting;
using Akka.Event;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Results;

/// <summary>
/// Writes stored results into the <see cref="ResultStore"/> in batches (one write at a time, the next batch gathering
/// while it runs), then answers the requests waiting for them and publishes them, so a result a client was given can
/// always be fetched by its id. A write that fails is retried; results are answered either way (the journal has them).
/// </summary>
public sealed class ResultIndexActor : ReceiveActor, IWithTimers
{
    private const int MaxAttempts = 3;
    private readonly ResultStore _store;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private List<IndexResult> _waiting = [];
    private bool _writing;

    public ITimerScheduler Timers { get; set; } = null!;

    public ResultIndexActor(ResultStore store)
    {
        _store = store;
        Receive<IndexResult>(r =>
        {
            _waiting.Add(r);
            if (!_writing) Write(1);
        });
        Receive<Written>(w =>
        {
            _writing = false;
            if (w.Error != null && w.Attempt < MaxAttempts)
            {
                _log.Warning("Results not indexed (attempt {0}): {1}", w.Attempt, w.Error.Message);
                _waiting.InsertRange(0, w.Batch);
                Timers.StartSingleTimer("retry", new Retry(w.Attempt + 1), TimeSpan.FromMilliseconds(200 * w.Attempt));
                _writing = true;
                return;
            }
            if (w.Error != null) _log.Error("{0} results could not be indexed (they stay in the journal): {1}", w.Batch.Count, w.Error.Message);
            foreach (var item in w.Batch)
            {
                foreach (var waiter in item.Waiters) waiter.Tell(item.Result);
                ResultPublisher.Publish(Context.System, item.Result, _log);
            }
            if (_waiting.Count > 0) Write(1);
        });
        Receive<Retry>(r =>
        {
            _writing = false;
            if (_waiting.Count > 0) Write(r.Attempt);
        });
    }

    public static Props Props(ResultStore store) => Akka.Actor.Props.Create(() => new ResultIndexActor(store));

    private void Write(int attempt)
    {
        var batch = _waiting;
        _waiting = [];
        _writing = true;
        _store.Insert(batch.Select(b => b.Result).ToList())
            .ContinueWith(t => new Written(batch, attempt, t.Exception?.GetBaseException()))
            .PipeTo(Self);
    }

    private sealed record Written(List<IndexResult> Batch, int Attempt, Exception? Error);

    private sealed record Retry(int Attempt);
}

public static class ResultIndexHosting
{
    /// <summary>This node's writer of results into <paramref name="store"/>.</summary>
    public static Akka.Hosting.AkkaConfigurationBuilder WithResultIndex(this Akka.Hosting.AkkaConfigurationBuilder builder, ResultStore store) =>
        builder.WithActors((system, registry) => registry.Register<ResultIndex>(system.ActorOf(ResultIndexActor.Props(store), "result-index")));
}
