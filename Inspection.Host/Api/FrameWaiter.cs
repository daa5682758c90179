using Akka.Actor;
using Inspection.Actors.Messages;

namespace Inspection.Host.Api;

/// <summary>
/// Stands in for a camera for one HTTP frame: the line tells it whether it took the frame, and later the stored
/// result. It stops itself once it has the result, or after <paramref name="lifetime"/> without one.
/// </summary>
public sealed class FrameWaiter : ReceiveActor
{
    public FrameWaiter(TaskCompletionSource<object> accepted, TaskCompletionSource<StoredResult> result, TimeSpan lifetime)
    {
        Context.SetReceiveTimeout(lifetime);
        Receive<FrameAccepted>(a => accepted.TrySetResult(a));
        Receive<FrameRejected>(r =>
        {
            accepted.TrySetResult(r);
            Context.Stop(Self);
        });
        Receive<StoredResult>(r =>
        {
            accepted.TrySetResult(new FrameAccepted(r.Frame, r.ResultId));
            result.TrySetResult(r);
            Context.Stop(Self);
        });
        Receive<FrameLost>(l =>
        {
            result.TrySetException(new FrameLostException(l.Reason));
            Context.Stop(Self);
        });
        Receive<ReceiveTimeout>(_ => Context.Stop(Self));
    }

    public static Props Props(TaskCompletionSource<object> accepted, TaskCompletionSource<StoredResult> result, TimeSpan lifetime) =>
        Akka.Actor.Props.Create(() => new FrameWaiter(accepted, result, lifetime));
}
