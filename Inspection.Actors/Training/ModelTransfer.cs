using Akka.Actor;
using Akka.Cluster;
using Inspection.Actors.Messages;
using Inspection.Actors.Shards;
using Inspection.Engine.Models;

namespace Inspection.Actors.Training;

/// <summary>
/// A line's served model as a model file and back (the format <c>inspection train</c> writes), so that a model moves
/// between sites and outlives the loss of a node or of the database: the bank is read from its shards, and a file's
/// bank is published to the shards as the line's next version and activated, as training does.
/// </summary>
public static class ModelTransfer
{
    /// <summary>Time the previous version's slices are kept after the switch, for the scorers' open batches.</summary>
    public static readonly TimeSpan RetireAfter = TimeSpan.FromSeconds(60);

    /// <summary>Writes the line's served model to <paramref name="path"/>.</summary>
    public static async Task Export(IActorRef shards, ModelDeployment deployment, LineSettings settings, string path, CancellationToken cancel)
    {
        var bank = await BankReader.Read(shards, deployment, cancel);
        ModelFile.Write(path, deployment.Metadata(settings.CoresetRatio), bank, checked((int)deployment.BankSize), deployment.Dimensions);
    }

    /// <summary>
    /// Publishes a model file's bank (already read and checked: <see cref="ModelFile.Read(string)"/>) as the line's next
    /// version and activates it; the version it replaces is freed after <see cref="RetireAfter"/>.
    /// </summary>
    public static async Task<TrainingCompleted> Import(ActorSystem system, IActorRef registry, IActorRef shards, string line, LineSettings settings,
        ModelMetadata metadata, TorchSharp.torch.Tensor bank, long shardBudgetBytes, CancellationToken cancel, string? by = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int rows = (int)bank.shape[0], dims = (int)bank.shape[1];
        await registry.Ask<LineRegistered>(new RegisterLine(line), TimeSpan.FromSeconds(30), cancel);
        var previous = await registry.Ask<object>(new GetDeployment(line), TimeSpan.FromSeconds(30), cancel) as ModelDeployment;
        var version = await registry.Ask<VersionName>(new NextVersion(line), TimeSpan.FromSeconds(30), cancel);
        int requested = settings.Shards > 0 ? settings.Shards : TrainingCoordinatorActor.ShardsFor(rows, dims, shardBudgetBytes);
        int shardCount = Math.Max(1, Math.Min(requested, rows));
        int gpuNodes = Cluster.Get(system).State.Members.Count(m => m.Status == MemberStatus.Up && m.HasRole("gpu"));
        int replicas = ReplicaPlacement.ReplicasFor(settings.Replicas, gpuNodes);
        float[] Rows(long from, int count)
        {
            using var slice = bank.narrow(0, from, count).contiguous();
            return slice.data<float>().ToArray();
        }
        var deployment = await ModelPublisher.Publish(shards, metadata, rows, Rows, line, version.Version, shardCount, TimeSpan.FromMinutes(2), replicas: replicas)
            with { Source = $"upload of a model file ({metadata.Training.Source})", CreatedBy = by };
        cancel.ThrowIfCancellationRequested();
        await registry.Ask<ModelActivated>(new ActivateModel(deployment), TimeSpan.FromSeconds(60), cancel);
        VersionRetirement.Later(registry, shards, previous, system.Log);
        return new TrainingCompleted(line, version.Version, metadata.Training.Images, rows, shardCount, clock.Elapsed.TotalSeconds, [], []);
    }
}
