using Akka.Actor;
using Akka.Hosting;
using Akka.Event;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Results;

/// <summary>
/// Writes stored results into the <see cref="ResultStore"/> in batches (one write at a time, the next batch gathering
/// while it runs), then answers the requests waiting for them and publishes them, so a result a client was given can
/// always be fetched by its id. A write that fails is tried again, with a pause growing to <see cref="MaxPause"/>, for
/// up to an hour (a database away for minutes loses no row; a batch the database refuses for an hour is given up and
/// logged, the results staying in the journal); after <see cref="AnswerAfter"/> failed attempts the waiting requests
/// are answered anyway (the journal has the results) and the rows follow when the database is back.
/// </summary>
public sealed class ResultIndexActor : ReceiveActor, IWithTimers
{
    private const int AnswerAfter = 3;
    private const int GiveUpAfter = 720;
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(5);
    private readonly ResultStore _store;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private List<Pending> _waiting = [];
    private bool _writing;

    public ITimerScheduler Timers { get; set; } = null!;

    public ResultIndexActor(ResultStore store)
    {
        _store = store;
        Receive<IndexResult>(r =>
        {
            _waiting.Add(new Pending(r, false));
            if (!_writing) Write(1);
        });
        Receive<Written>(w =>
        {
            _writing = false;
            if (w.Error != null && w.Attempt >= GiveUpAfter)
                _log.Error("{0} results could not be indexed in {1} attempts (they stay in the journal): {2}", w.Batch.Count, w.Attempt, w.Error.Message);
            else if (w.Error != null)
            {
                if (w.Attempt <= AnswerAfter || w.Attempt % 20 == 0)
                    _log.Warning("{0} results not indexed yet (attempt {1}; tried again until the database answers): {2}", w.Batch.Count, w.Attempt, w.Error.Message);
                var batch = w.Attempt >= AnswerAfter ? w.Batch.Select(item => Tell(item, null)).ToList() : w.Batch;
                _waiting.InsertRange(0, batch);
                var pause = TimeSpan.FromTicks(Math.Min(MaxPause.Ticks, TimeSpan.FromMilliseconds(200 * w.Attempt).Ticks));
                Timers.StartSingleTimer("retry", new Retry(w.Attempt + 1), pause);
                _writing = true;
                return;
            }
            if (w.Error == null && w.Attempt > AnswerAfter) _log.Info("{0} results indexed after {1} attempts", w.Batch.Count, w.Attempt);
            foreach (var item in w.Batch) Tell(item, w.Inserted);
            if (_waiting.Count > 0) Write(1);
        });
        Receive<Retry>(r =>
        {
            _writing = false;
            if (_waiting.Count > 0) Write(r.Attempt);
        });
    }

    public static Props Props(ResultStore store) => Akka.Actor.Props.Create(() => new ResultIndexActor(store));

    /// <summary>
    /// Answers the item's waiting requests and publishes it, once. A replayed result is published only when this write
    /// inserted its row (<paramref name="inserted"/>; null: unknown): one indexed before was published then.
    /// </summary>
    private Pending Tell(Pending item, IReadOnlySet<string>? inserted)
    {
        if (item.Told) return item;
        foreach (var waiter in item.Item.Waiters) waiter.Tell(item.Item.Result);
        if (!item.Item.Replayed || inserted?.Contains(item.Item.Result.ResultId) == true)
            ResultPublisher.Publish(Context.System, item.Item.Result, _log);
        return item with { Told = true };
    }

    private void Write(int attempt)
    {
        var batch = _waiting;
        _waiting = [];
        _writing = true;
        _store.Insert(batch.Select(b => b.Item.Result).ToList())
            .ContinueWith(t => new Written(batch, attempt, t.Exception?.GetBaseException(), t.IsCompletedSuccessfully ? t.Result : null))
            .PipeTo(Self);
    }

    private sealed record Pending(IndexResult Item, bool Told);

    private sealed record Written(List<Pending> Batch, int Attempt, Exception? Error, IReadOnlySet<string>? Inserted);

    private sealed record Retry(int Attempt);
}

public static class ResultIndexHosting
{
    /// <summary>This node's writer of results into <paramref name="store"/>.</summary>
    public static Akka.Hosting.AkkaConfigurationBuilder WithResultIndex(this Akka.Hosting.AkkaConfigurationBuilder builder, ResultStore store) =>
        builder.WithActors((system, registry) => registry.Register<ResultIndex>(system.ActorOf(ResultIndexActor.Props(store), "result-index")));
}
