using Akka.Actor;
using Akka.Persistence;

namespace Inspection.Host.Api;

/// <summary>
/// Readiness of the journal: a throw-away persistent actor recovers (reads its events, there are none) and says so;
/// a journal that cannot be read leaves it silent or failed, and the check times out.
/// </summary>
public sealed class JournalProbe : ReceivePersistentActor
{
    private readonly TaskCompletionSource _recovered;

    public JournalProbe(TaskCompletionSource recovered)
    {
        _recovered = recovered;
        Recover<RecoveryCompleted>(_ =>
        {
            _recovered.TrySetResult();
            Context.Stop(Self);
        });
        Recover<object>(_ => { });
    }

    public override string PersistenceId => "health-probe";

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        _recovered.TrySetException(reason);
        base.OnRecoveryFailure(reason, message);
    }
}

/// <summary>Runs a <see cref="JournalProbe"/> and waits for its recovery.</summary>
public static class JournalHealth
{
    public static async Task Check(ActorSystem system, TimeSpan timeout, CancellationToken cancel)
    {
        var recovered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = system.ActorOf(Props.Create(() => new JournalProbe(recovered)));
        try { await recovered.Task.WaitAsync(timeout, cancel); }
        finally { probe.Tell(PoisonPill.Instance); }
    }
}
