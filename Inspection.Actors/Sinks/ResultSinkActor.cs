using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Inspection.Actors.Diagnostics;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Sinks;

/// <summary>
/// Delivers a line's results to one sink, at least once and in order: it reads the line's journal (the record of
/// every stored result) from where it got to, delivers each result, retrying with backoff until the receiver takes
/// it, and snapshots how far it got. After a restart or a node loss it continues from its snapshot, so a result is
/// never skipped; results delivered after the last snapshot are delivered again (receivers deduplicate by id).
/// </summary>
public sealed class ResultSinkActor : ReceivePersistentActor, IWithTimers
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly string _line;
    private readonly IResultSink _sink;
    private readonly long _startAfter;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();
    private long _delivered, _saved;
    private readonly Queue<long> _saving = new();
    private UniqueKillSwitch? _stream;

    public ITimerScheduler Timers { get; set; } = null!;
    public override string PersistenceId => $"result-sink/{_line}/{_sink.Kind}";

    /// <param name="startAfter">For a sink new to the line: the journal position to start after (results before it are history).</param>
    public ResultSinkActor(string line, IResultSink sink, long startAfter)
    {
        _line = line;
        _sink = sink;
        _startAfter = startAfter;
        _delivered = -1;
        Recover<SnapshotOffer>(o => _delivered = _saved = ((SinkOffset)o.Snapshot).SequenceNr);
        Recover<RecoveryCompleted>(_ =>
        {
            if (_delivered < 0) _delivered = _saved = _startAfter;
            Context.Parent.Tell(new LineSinksActor.SinkSaved(_saved));
            Start();
            Timers.StartPeriodicTimer("save", Save.Instance, TimeSpan.FromSeconds(1));
        });
        Command<Delivered>(d => _delivered = Math.Max(_delivered, d.SequenceNr));
        Command<Save>(_ =>
        {
            if (_delivered <= _saved) return;
            _saved = _delivered;
            _saving.Enqueue(_delivered);
            SaveSnapshot(new SinkOffset(_delivered));
        });
        // The actor persists no events, so every snapshot has sequence number 0 and replaces the one before it.
        Command<SaveSnapshotSuccess>(_ =>
        {
            // The line may delete journal events up to a position once it is saved, never before.
            if (_saving.TryDequeue(out long saved)) Context.Parent.Tell(new LineSinksActor.SinkSaved(saved));
        });
        Command<SaveSnapshotFailure>(f =>
        {
            _saving.TryDequeue(out _);
            _log.Warning("Sink {0} of line {1}: position not saved: {2}", _sink.Kind, _line, f.Cause.Message);
        });
        Command<StreamEnded>(e =>
        {
            // The journal query ends only on an error (a database that went away): start again from where it got to.
            _log.Warning("Sink {0} of line {1}: reading the journal stopped ({2}); restarting in 2 s", _sink.Kind, _line, e.Reason);
            Timers.StartSingleTimer("restart", Restart.Instance, TimeSpan.FromSeconds(2));
        });
        Command<Restart>(_ => Start());
    }

    public static Props Props(string line, IResultSink sink, long startAfter) =>
        Akka.Actor.Props.Create(() => new ResultSinkActor(line, sink, startAfter));

    private void Start()
    {
        var self = Self;
        var journal = PersistenceQuery.Get(Context.System).ReadJournalFor<SqlReadJournal>("akka.persistence.query.journal.sql");
        var (kill, done) = journal.EventsByPersistenceId(Lines.LineActor.PersistenceIdOf(_line), _delivered + 1, long.MaxValue)
            .Where(e => e.Event is StoredResult or PartTimedOut)
            .SelectAsync(1, async e =>
            {
                await Deliver(e.Event is StoredResult r ? ResultDocument.Of(r) : ResultDocument.Of((PartTimedOut)e.Event));
                return e.SequenceNr;
            })
            .ViaMaterialized(KillSwitches.Single<long>(), Keep.Right)
            .ToMaterialized(Sink.ForEach<long>(n => self.Tell(new Delivered(n))), Keep.Both)
            .Run(Context.Materializer());
        _stream = kill;
        done.ContinueWith(t => new StreamEnded(t.Exception?.GetBaseException().Message ?? "completed")).PipeTo(self);
    }

    /// <summary>Delivers one result, retrying with exponential backoff (0.5 s doubling to 30 s) until it is taken or the sink stops.</summary>
    private async Task Deliver(ResultDocument result)
    {
        var tags = new[] { new KeyValuePair<string, object?>("line", _line), new KeyValuePair<string, object?>("sink", _sink.Kind) };
        var wait = TimeSpan.FromMilliseconds(500);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await _sink.Deliver(result, _stopping.Token);
                PipelineMetrics.SinkDeliveries.Add(1, tags);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
            {
                PipelineMetrics.SinkFailures.Add(1, tags);
                if (attempt <= 3 || attempt % 20 == 0)
                    _log.Warning("Sink {0} of line {1}: result {2} not delivered (attempt {3}, next in {4:0.#} s): {5}",
                        _sink.Kind, _line, result.Id, attempt, wait.TotalSeconds, e.Message);
                await Task.Delay(wait, _stopping.Token);
                wait = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, wait.Ticks * 2));
            }
        }
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stream?.Shutdown();
        _sink.Dispose();
        base.PostStop();
    }

    private sealed record Delivered(long SequenceNr);

    private sealed record StreamEnded(string Reason);

    private sealed class Save
    {
        public static readonly Save Instance = new();
    }

    private sealed class Restart
    {
        public static readonly Restart Instance = new();
    }
}
