using Akka.Actor;
using Inspection.Actors.Messages;
using Inspection.Actors.Scoring;

namespace Inspection.Host.Api;

/// <summary>
/// Follows one job for the API: receives the coordinator's progress and final answer and updates the
/// <see cref="TrainingJob"/>; watches the coordinator once it has answered, so a gpu node lost mid-training fails the
/// job instead of leaving it running forever.
/// </summary>
public sealed class JobWatcher : ReceiveActor
{
    public JobWatcher(TrainingJob job, IActorRef registry)
    {
        IActorRef? coordinator = null;
        Receive<TrainingProgressed>(p =>
        {
            if (coordinator == null && !Sender.IsNobody() && !Sender.Equals(Context.System.DeadLetters))
            {
                coordinator = Sender;
                Context.Watch(coordinator);
            }
            job.Progressed(p);
        });
        Receive<TrainingCompleted>(done =>
        {
            var self = Self;
            registry.Ask<LineDetails>(new GetLine(done.Line), TimeSpan.FromSeconds(10)).ContinueWith(t =>
            {
                var d = t.IsCompletedSuccessfully ? t.Result.Deployment : null;
                job.Complete(done, d is null || d.Version != done.Version ? null : new CalibrationView(d.ImageThreshold, d.ImageMin, d.ImageMax, d.PixelThreshold, done.HeldOutGood, done.HeldOutDefective,
                    d.ExpectedFalseRejectRate(), d.ThresholdMethod));
                self.Tell(PoisonPill.Instance);
            });
        });
        Receive<TrainingFailed>(f =>
        {
            job.Stop(f.Reason, f.Cancelled);
            Context.Stop(Self);
        });
        Receive<Terminated>(_ =>
        {
            job.Stop("the gpu node running the job left the cluster; the line keeps the model it had", cancelled: false);
            Context.Stop(Self);
        });
    }

    public static Props Props(TrainingJob job, IActorRef registry) => Akka.Actor.Props.Create(() => new JobWatcher(job, registry));
}
