using Akka.Actor;
using Akka.Event;
using Inspection.Actors.Messages;

namespace Inspection.Actors.Training;

/// <summary>
/// Frees the slices of the version a line served before a switch, once its scorers' open batches are done
/// (<see cref="ModelTransfer.RetireAfter"/>), unless the line serves that version again by then, or it shadows the new
/// one: an operator who rolls back and forth within that time must not have the version now serving passivated under
/// its frames.
/// </summary>
public static class VersionRetirement
{
    public static void Later(IActorRef registry, IActorRef shards, ModelDeployment? previous, ILoggingAdapter log)
    {
        if (previous == null) return;
        _ = Task.Run(async () =>
        {
            await Task.Delay(ModelTransfer.RetireAfter);
            try
            {
                var now = await registry.Ask<ModelVersions>(new GetModels(previous.Line), TimeSpan.FromSeconds(30));
                if (now.Active == previous.Version || now.Shadow == previous.Version) return;
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                log.Warning("Line {0}: the registry did not say which version serves; {1} is freed as planned", previous.Line, previous.Version);
            }
            for (int s = 0; s < previous.ShardCount; s++)
                for (int r = 0; r < previous.Replicas; r++)
                    shards.Tell(new RetireSlice(previous.ShardEntity(s, r)), ActorRefs.NoSender);
        });
    }
}
