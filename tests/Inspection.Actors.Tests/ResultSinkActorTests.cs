using System.Collections.Concurrent;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using Inspection.Actors.Lines;
using Inspection.Actors.Messages;
using Inspection.Actors.Sinks;
using Xunit;

namespace Inspection.Actors.Tests;

/// <summary>
/// A result sink reads the line's journal: through failures of the receiver and restarts of the sink, every result is
/// delivered at least once, in journal order, and a sink added to a line starts after the results it already had.
/// </summary>
public sealed class ResultSinkActorTests : TestKit
{
    private static readonly TempFolder Folder = new();

    public ResultSinkActorTests() : base(ConfigurationFactory.ParseString($"""
            akka.actor.provider = local
            akka.persistence.query.journal.sql.connection-string = "Data Source={Folder.File("sinks.db")}"
            """)
        .WithFallback(TestSupport.NodeConfig(Folder.File("sinks.db")))
        .WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration))
    {
    }

    private static StoredResult Result(string line, int n) =>
        new(new FrameId(line, "cam", n), $"f{n}.png", "v1", n, 0.5f, false, null, 10, null, DateTimeOffset.UtcNow, $"{line}-r{n}");

    /// <summary>Stores results in a line's journal as the line does.</summary>
    private sealed class JournalWriter : ReceivePersistentActor
    {
        private readonly string _line;
        public override string PersistenceId => LineActor.PersistenceIdOf(_line);

        public JournalWriter(string line)
        {
            _line = line;
            Recover<StoredResult>(_ => { });
            Recover<PartTimedOut>(_ => { });
            Command<StoredResult>(r => Persist(r, stored => Sender.Tell(stored.ResultId)));
            Command<PartTimedOut>(t => Persist(t, stored => Sender.Tell(stored.Id)));
        }
    }

    /// <summary>A receiver that refuses its first deliveries, then records what it gets and signals each on a channel.</summary>
    private sealed class FlakySink(int failures, Deliveries delivered) : IResultSink
    {
        private int _calls;
        public string Kind => "test";

        public Task Deliver(ResultDocument result, CancellationToken cancel)
        {
            if (Interlocked.Increment(ref _calls) <= failures) throw new HttpRequestException("receiver restarting");
            delivered.Add(result.Id);
            delivered.Documents.Enqueue(result);
            return Task.CompletedTask;
        }

        public void Dispose() { }
    }

    private async Task Write(IActorRef writer, IEnumerable<StoredResult> results)
    {
        foreach (var r in results) await writer.Ask<string>(r, TimeSpan.FromSeconds(10));
    }

    /// <summary>What a receiver got, in order, and the event of each delivery.</summary>
    private sealed class Deliveries
    {
        private readonly ConcurrentQueue<string> _all = new();
        public ConcurrentQueue<ResultDocument> Documents { get; } = new();
        private readonly Channel<string> _events = Channel.CreateUnbounded<string>();

        public void Add(string id)
        {
            _all.Enqueue(id);
            _events.Writer.TryWrite(id);
        }

        public string[] ToArray() => _all.ToArray();

        /// <summary>Waits for deliveries until every one of <paramref name="ids"/> has come.</summary>
        public async Task Until(params string[] ids)
        {
            var missing = ids.ToHashSet();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (missing.Count > 0) missing.Remove(await _events.Reader.ReadAsync(timeout.Token));
        }
    }

    [Fact]
    public async Task Every_result_is_delivered_in_order_through_receiver_failures_and_a_restart_of_the_sink()
    {
        string line = "sink-" + Guid.NewGuid().ToString("N")[..8];
        var writer = Sys.ActorOf(Props.Create(() => new JournalWriter(line)));
        await Write(writer, Enumerable.Range(1, 3).Select(n => Result(line, n)));
        var delivered = new Deliveries();
        var sink = Sys.ActorOf(ResultSinkActor.Props(line, new FlakySink(2, delivered), startAfter: 0));
        await delivered.Until($"{line}-r1", $"{line}-r2", $"{line}-r3");
        Assert.Equal([$"{line}-r1", $"{line}-r2", $"{line}-r3"], delivered.ToArray());

        Watch(sink);
        Sys.Stop(sink);
        ExpectTerminated(sink);
        await Write(writer, Enumerable.Range(4, 2).Select(n => Result(line, n)));
        var again = new Deliveries();
        Sys.ActorOf(ResultSinkActor.Props(line, new FlakySink(1, again), startAfter: 0));
        await again.Until($"{line}-r4", $"{line}-r5");
        // After a restart it continues from its last saved position: results after it come again (at least once),
        // later ones in order, none skipped.
        var second = again.ToArray();
        Assert.Equal(second.Order(StringComparer.Ordinal), second);
        Assert.Equal(second.Distinct(), second);
        Assert.Equal([$"{line}-r4", $"{line}-r5"], second[^2..]);
    }

    [Fact]
    public async Task A_parts_timeout_verdict_is_delivered_in_journal_order_between_results_as_a_timeout_document()
    {
        string line = "timeout-" + Guid.NewGuid().ToString("N")[..8];
        var writer = Sys.ActorOf(Props.Create(() => new JournalWriter(line)));
        var triggered = DateTimeOffset.UtcNow;
        var timedOut = new PartTimedOut($"{line}-t1", line, "cam", "4711", "hold", "no verdict within 300 ms", triggered, triggered.AddMilliseconds(300));
        await Write(writer, [Result(line, 1)]);
        await writer.Ask<string>(timedOut, TimeSpan.FromSeconds(10));
        await Write(writer, [Result(line, 2) with { Part = "4711", Late = true }]);
        var delivered = new Deliveries();
        Sys.ActorOf(ResultSinkActor.Props(line, new FlakySink(0, delivered), startAfter: 0));
        await delivered.Until($"{line}-r1", $"{line}-t1", $"{line}-r2");
        Assert.Equal([$"{line}-r1", $"{line}-t1", $"{line}-r2"], delivered.ToArray());
        var documents = delivered.Documents.ToArray();
        Assert.Equal(("timeout", "hold", "4711", 300.0, "no verdict within 300 ms"),
            (documents[1].Verdict, documents[1].TimeoutMeans, documents[1].Part, documents[1].LatencyMs, documents[1].Error));
        Assert.Equal(("pass", "4711", true, (string?)null), (documents[2].Verdict, documents[2].Part, documents[2].Late, documents[2].TimeoutMeans));
        string json = System.Text.Encoding.UTF8.GetString(documents[1].ToJson());
        Assert.Contains("\"verdict\":\"timeout\"", json);
        Assert.Contains("\"timeoutMeans\":\"hold\"", json);
    }

    [Fact]
    public async Task A_sink_added_to_a_line_delivers_its_results_from_then_on()
    {
        string line = "late-" + Guid.NewGuid().ToString("N")[..8];
        var writer = Sys.ActorOf(Props.Create(() => new JournalWriter(line)));
        await Write(writer, Enumerable.Range(1, 4).Select(n => Result(line, n)));
        var delivered = new Deliveries();
        Sys.ActorOf(ResultSinkActor.Props(line, new FlakySink(0, delivered), startAfter: 4));
        await Write(writer, [Result(line, 5)]);
        await delivered.Until($"{line}-r5");
        Assert.Equal([$"{line}-r5"], delivered.ToArray());
    }

    [Fact]
    public void A_line_may_delete_only_the_journal_events_every_sink_has_saved_past()
    {
        string line = "hold-" + Guid.NewGuid().ToString("N")[..8];
        var sinks = ChildActorOf(LineSinksActor.Props(line, null));
        // No sink: nothing holds the journal.
        sinks.Tell(new LineSinksActor.Wanted(LineSettings.Default, 7));
        Assert.Equal(long.MaxValue, ExpectMsg<LineSinksActor.DeliveredUpTo>().SequenceNr);
        // A webhook whose receiver is not there: it starts after event 7 and has delivered nothing since, so the line
        // may delete up to 7 and no further; until the sink has recovered, not even that.
        sinks.Tell(new LineSinksActor.Wanted(LineSettings.Default with { Webhook = "http://127.0.0.1:9/results" }, 7));
        Assert.Equal(0, ExpectMsg<LineSinksActor.DeliveredUpTo>().SequenceNr);
        Assert.Equal(7, ExpectMsg<LineSinksActor.DeliveredUpTo>().SequenceNr);
        // The webhook removed: the journal is free again.
        sinks.Tell(new LineSinksActor.Wanted(LineSettings.Default, 9));
        FishForMessage<LineSinksActor.DeliveredUpTo>(d => d.SequenceNr == long.MaxValue);
    }
}
