using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Inspection.Actors.Messages;
using Inspection.Actors.Plc;

namespace Inspection.Actors.Cameras;

/// <summary>
/// Publishes what this node's cameras and PLC handshake are doing (<see cref="CameraReport"/>) on the cluster's
/// camera topic at a fixed interval, so that an API node anywhere lists every camera with its status. A camera that
/// does not answer within the interval is left out of that report; the list shows when each was last heard of.
/// </summary>
public sealed class CameraReporter : ReceiveActor, IWithTimers
{
    private readonly TimeSpan _every;

    public ITimerScheduler Timers { get; set; } = null!;

    public CameraReporter(IReadOnlyList<IActorRef> cameras, IActorRef? plc, TimeSpan every)
    {
        string node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
        var mediator = DistributedPubSub.Get(Context.System).Mediator;
        ReceiveAsync<Tick>(async _ =>
        {
            var asks = cameras.Select(c => c.Ask<CameraStats>(new GetCameraStats(), every)).ToList();
            var plcAsk = plc?.Ask<PlcStats>(GetPlcStats.Instance, every);
            try { await Task.WhenAll(asks); } catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { }
            PlcStats? handshake = null;
            if (plcAsk != null)
            {
                try { handshake = await plcAsk; } catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { }
            }
            var answered = asks.Where(a => a.IsCompletedSuccessfully).Select(a => a.Result).ToList();
            mediator.Tell(new Publish(CameraReport.Topic, new CameraReport(node, answered, handshake, DateTimeOffset.UtcNow)));
        });
        _every = every;
    }

    protected override void PreStart() => Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.Zero, _every);

    public static Props Props(IReadOnlyList<IActorRef> cameras, IActorRef? plc, TimeSpan every) =>
        Akka.Actor.Props.Create(() => new CameraReporter(cameras, plc, every));

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
