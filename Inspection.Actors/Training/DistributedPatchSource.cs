using Akka.Actor;
using Inspection.Actors.Messages;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using static TorchSharp.torch;

namespace Inspection.Actors.Training;

/// <summary>
/// Training features computed by the feature extractors of every gpu node: batches go round-robin through the cluster
/// router, a window of them in flight at once so that all nodes work in parallel, and come back in order. Images travel
/// as their encoded bytes (nodes share no file system); features come back as float32 blocks.
/// </summary>
public sealed class DistributedPatchSource(IActorRef extractors, PatchCoreSettings settings, int window, TimeSpan timeout) : ITrainingPatchSource
{
    private long _nextRequest;

    /// <summary>Nodes that answered, with the number of batches each computed.</summary>
    public Dictionary<string, int> BatchesPerNode { get; } = new();

    // Runs on the training thread (never an actor's), so waiting for replies here blocks no mailbox.
    public IEnumerable<Tensor> Batches(IReadOnlyList<string> images, int batchSize, Extent imageSize)
    {
        var chunks = images.Chunk(batchSize).ToList();
        var inFlight = new Queue<Task<TrainingPatches>>();
        int sent = 0;
        for (int i = 0; i < chunks.Count; i++)
        {
            while (sent < chunks.Count && sent < i + window) inFlight.Enqueue(Request(chunks[sent++], imageSize));
            var reply = inFlight.Dequeue().GetAwaiter().GetResult();
            if (reply.Errors.Count > 0 || reply.Patches == null)
                throw new ImageReadException(string.Join(", ", chunks[i].Take(3)), string.Join("; ", reply.Errors));
            BatchesPerNode[reply.Address] = BatchesPerNode.GetValueOrDefault(reply.Address) + 1;
            yield return tensor(reply.Patches.ToFloats(), [reply.Images, reply.PatchesPerImage, reply.Patches.Columns]);
        }
    }

    private Task<TrainingPatches> Request(string[] files, Extent imageSize)
    {
        var frames = files.Select((f, i) => new CapturedFrame(new FrameId("training", "files", i), File.ReadAllBytes(f), f)).ToList();
        var request = new ExtractTrainingPatches(Interlocked.Increment(ref _nextRequest), settings.Backbone, settings.Layers.ToArray(),
            settings.BackboneWeights, settings.Precision, imageSize.Height, frames) { ImageWidth = imageSize.Width };
        return extractors.Ask<TrainingPatches>(request, timeout);
    }
}
