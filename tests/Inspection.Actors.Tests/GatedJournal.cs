using System.Collections.Immutable;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace Inspection.Actors.Tests;

/// <summary>
/// An in-memory journal whose writes wait until a test opens its gate, so a test can act while a write is pending
/// (as a slow database leaves one). Static, because Akka creates the journal itself; one test class uses it.
/// </summary>
public sealed class GatedJournal : MemoryJournal
{
    public static TaskCompletionSource WriteStarted { get; private set; } = NewSignal();
    public static TaskCompletionSource Gate { get; private set; } = NewSignal();
    /// <summary>Set: writes fail with it once the gate opens (a database gone away).</summary>
    public static Exception? FailWith { get; set; }

    public const string Hocon = """
        akka.persistence.journal.plugin = "akka.persistence.journal.gated"
        akka.persistence.journal.gated.class = "Inspection.Actors.Tests.GatedJournal, Inspection.Actors.Tests"
        akka.persistence.journal.gated.plugin-dispatcher = "akka.actor.default-dispatcher"
        """;

    /// <summary>Closes the gate again for the next test.</summary>
    public static void Reset() => (WriteStarted, Gate, FailWith) = (NewSignal(), NewSignal(), null);

    protected override async Task<IImmutableList<Exception?>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages.ToList();
        WriteStarted.TrySetResult();
        await Gate.Task.WaitAsync(cancellationToken);
        if (FailWith is { } failure) throw failure;
        return await base.WriteMessagesAsync(writes, cancellationToken);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
