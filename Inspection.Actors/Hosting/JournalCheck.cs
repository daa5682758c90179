using Akka.Actor;
using Akka.Persistence;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Hosting;

/// <summary>
/// Whether this node's journal is the cluster's: the registry stamps the journal it lives in, and this node reads the
/// registry's events from its own journal. The same stamp: one database. Another or none: this node would store
/// shards, results and models where the rest of the cluster never looks (its own SQLite file, another PostgreSQL
/// database), and a shard restarted on it would come back empty.
/// </summary>
public static class JournalCheck
{
    /// <summary>Null when the journals are one; otherwise what is wrong, for one error line.</summary>
    public static async Task<string?> Problem(ActorSystem system, IActorRef registry, TimeSpan timeout)
    {
        var cluster = await registry.Ask<JournalStamp>(new GetJournalStamp(), timeout);
        var read = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = system.ActorOf(Props.Create(() => new StampReader(read)));
        string? own;
        try { own = await read.Task.WaitAsync(timeout); }
        finally { probe.Tell(PoisonPill.Instance); }
        if (own == cluster.Id) return null;
        return own == null
            ? "this node's journal holds nothing of the cluster's (it is another database: a SQLite file of its own, or another PostgreSQL database)"
            : $"this node's journal belongs to another cluster (stamp {own}, the cluster's is {cluster.Id})";
    }

    /// <summary>Reads the registry's events from this node's journal, only to find the stamp; it never writes.</summary>
    private sealed class StampReader : ReceivePersistentActor
    {
        private string? _stamp;

        public StampReader(TaskCompletionSource<string?> read)
        {
            Recover<JournalStamp>(e => _stamp = e.Id);
            Recover<RecoveryCompleted>(_ =>
            {
                read.TrySetResult(_stamp);
                Context.Stop(Self);
            });
            Recover<object>(_ => { });
        }

        public override string PersistenceId => "model-registry";
    }
}
