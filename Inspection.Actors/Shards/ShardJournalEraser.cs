using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Shards;

/// <summary>
/// Deletes the journal and snapshots of one shard of a model version no longer kept, without loading its slice: a
/// persistent actor with the shard's persistence id that skips recovery (it learns only the highest sequence number),
/// writes a small tombstone and deletes everything up to it. The journal keeps the highest row of a deleted range as a
/// marker, so without the tombstone that marker would be one of the slice's chunks, megabytes each. It stops when done.
/// </summary>
public sealed class ShardJournalEraser : ReceivePersistentActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _messagesDone, _snapshotsDone;

    public override string PersistenceId { get; }

    public override Recovery Recovery => Recovery.None;

    public ShardJournalEraser(string persistenceId)
    {
        PersistenceId = persistenceId;
        Recover<RecoveryCompleted>(_ => Self.Tell(Start.Instance));
        Command<Start>(_ => Persist(new ShardErased(), _ =>
        {
            DeleteMessages(long.MaxValue);
            DeleteSnapshots(new SnapshotSelectionCriteria(long.MaxValue, DateTime.MaxValue));
        }));
        Command<DeleteMessagesSuccess>(_ => Done(messages: true));
        Command<DeleteMessagesFailure>(f =>
        {
            _log.Warning("Could not delete the journal of {0}: {1}", PersistenceId, f.Cause.Message);
            Done(messages: true);
        });
        Command<DeleteSnapshotsSuccess>(_ => Done(snapshots: true));
        Command<DeleteSnapshotsFailure>(f =>
        {
            _log.Warning("Could not delete the snapshots of {0}: {1}", PersistenceId, f.Cause.Message);
            Done(snapshots: true);
        });
    }

    private void Done(bool messages = false, bool snapshots = false)
    {
        _messagesDone |= messages;
        _snapshotsDone |= snapshots;
        if (_messagesDone && _snapshotsDone) Context.Stop(Self);
    }

    private sealed class Start
    {
        public static readonly Start Instance = new();
    }

    public static Props Props(string persistenceId) => Akka.Actor.Props.Create(() => new ShardJournalEraser(persistenceId));
}
