using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Inspection.Actors.Messages;
using Inspection.Engine.Data;
using Inspection.Engine.Evaluation;
using Inspection.Engine.Native;
using Inspection.Engine.PatchCore;

namespace Inspection.Actors.Training;

/// <summary>
/// Trains line models on this (gpu) node: takes a new version name from the registry, trains PatchCore on the folder's
/// good images, stores the bank in N shards, and only then activates the version in the registry, so the old version
/// serves until the new one is fully stored. The heavy work runs off the actor's thread; one training per line at a time.
/// </summary>
public sealed class TrainingCoordinatorActor : ReceiveActor
{
    private readonly IActorRef _registry;
    private readonly IActorRef _shards;
    private readonly PatchCoreSettings _settings;
    private readonly string _device;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<string> _training = new(StringComparer.Ordinal);

    public TrainingCoordinatorActor(IActorRef registry, IActorRef shardRegion, PatchCoreSettings settings, string device)
    {
        _registry = registry;
        _shards = shardRegion;
        _settings = settings;
        _device = device;
        Receive<TrainLine>(Start);
        Receive<TrainingOutcome>(o =>
        {
            _training.Remove(o.Line);
            o.ReplyTo.Tell(o.Result);
        });
    }

    public static Props Props(IActorRef registry, IActorRef shardRegion, PatchCoreSettings settings, string device) =>
        Akka.Actor.Props.Create(() => new TrainingCoordinatorActor(registry, shardRegion, settings, device));

    private void Start(TrainLine command)
    {
        if (!_training.Add(command.Line))
        {
            Sender.Tell(new TrainingFailed(command.Line, $"line '{command.Line}' is already being trained"));
            return;
        }
        var replyTo = Sender;
        Train(command).ContinueWith(t => new TrainingOutcome(command.Line, replyTo,
                t.IsCompletedSuccessfully ? t.Result : new TrainingFailed(command.Line, t.Exception?.GetBaseException().Message ?? "cancelled")))
            .PipeTo(Self);
    }

    private async Task<object> Train(TrainLine command)
    {
        var clock = Stopwatch.StartNew();
        var category = MvtecCategory.Open(command.DataFolder);
        var (train, calibration) = PatchCoreEvaluator.Split(category, _settings.HoldoutFraction);
        await _registry.Ask<LineRegistered>(new RegisterLine(command.Line), TimeSpan.FromSeconds(30));
        var version = await _registry.Ask<VersionName>(new NextVersion(command.Line), TimeSpan.FromSeconds(30));
        // Training is synchronous TorchSharp work: run it on one pool thread so its dispose scopes stay on that thread.
        using var model = await Task.Run(() => new PatchCoreTrainer(_settings, ComputeDevice.Resolve(_device)).Train(train, calibration, null, category.Root));
        // 0 shards means one per gpu node currently up.
        int requested = command.Shards > 0 ? command.Shards
            : Akka.Cluster.Cluster.Get(Context.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole("gpu"));
        int shards = Math.Max(1, Math.Min(requested, model.BankSize));
        var deployment = await ModelPublisher.Publish(_shards, model, command.Line, version.Version, shards, TimeSpan.FromMinutes(2));
        await _registry.Ask<ModelActivated>(new ActivateModel(deployment), TimeSpan.FromSeconds(60));
        _log.Info("Line {0} now serves {1} ({2} bank vectors in {3} shards)", command.Line, version.Version, model.BankSize, shards);
        return new TrainingCompleted(command.Line, version.Version, train.Count, model.BankSize, shards, clock.Elapsed.TotalSeconds);
    }

    private sealed record TrainingOutcome(string Line, IActorRef ReplyTo, object Result);
}

/// <summary>Registry key of this node's training coordinator.</summary>
public sealed class TrainingCoordinator;
