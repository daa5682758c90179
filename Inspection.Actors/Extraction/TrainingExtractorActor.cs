using Akka.Actor;
using Akka.Hosting;
using Inspection.Actors.Messages;
using Inspection.Engine.Imaging;
using Inspection.Engine.Native;

namespace Inspection.Actors.Extraction;

/// <summary>
/// Training features on one gpu node: a batch of good images, decoded in parallel and extracted at once (throughput
/// work, no deadline), answered as one float32 block or with the reasons its images could not be used. Apart from the
/// inference extractor (<see cref="FeatureExtractorActor"/>), so a training's large batches never sit in the mailbox
/// ahead of a line's frames, and each actor keeps its own resident backbones.
/// </summary>
public sealed class TrainingExtractorActor : ReceiveActor
{
    private readonly BackboneCache _backbones;
    private long _batches;

    private string Address => Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();

    public TrainingExtractorActor(string device)
    {
        _backbones = new BackboneCache(ComputeDevice.Resolve(device));
        Receive<ExtractTrainingPatches>(Extract);
        Receive<GetExtractorStats>(_ => Sender.Tell(new ExtractorStats(Address, _batches, 0)));
    }

    public static Props Props(string device) => Akka.Actor.Props.Create(() => new TrainingExtractorActor(device));

    private void Extract(ExtractTrainingPatches request)
    {
        // Decoded in parallel, in order: the node's cores, not one actor's thread.
        var decoded = new PreparedImage?[request.Images.Count];
        var failures = new string?[request.Images.Count];
        Parallel.For(0, request.Images.Count, i =>
        {
            var image = request.Images[i];
            try { decoded[i] = PreparedImage.FromBytes(image.Encoded, image.Source, request.Input()); }
            catch (ImageReadException e) { failures[i] = e.Message; }
        });
        var errors = failures.OfType<string>().ToList();
        var images = decoded.OfType<PreparedImage>().ToList();
        if (errors.Count > 0)
        {
            Sender.Tell(new TrainingPatches(request.RequestId, request.Images.Count, 0, null, errors, Address));
            return;
        }
        try
        {
            var block = _backbones.Features(request.Backbone, request.Layers, request.BackboneWeights, request.Precision, request.Input(), images);
            _batches++;
            Sender.Tell(new TrainingPatches(request.RequestId, images.Count, block.Rows / Math.Max(1, images.Count), block, [], Address));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Sender.Tell(new TrainingPatches(request.RequestId, request.Images.Count, 0, null, [$"feature extraction failed on {Address}: {e.Message}"], Address));
        }
    }

    protected override void PostStop()
    {
        _backbones.Dispose();
        base.PostStop();
    }
}

/// <summary>Registry key of this node's training extractor.</summary>
public sealed class TrainingExtractor;

/// <summary>Registry key of the router to every gpu node's training extractor.</summary>
public sealed class TrainingExtractors;

public static class TrainingExtractorHosting
{
    /// <summary>This gpu node's training extractor at /user/<see cref="Hosting.InspectionNodeHosting.TrainingExtractorPath"/>, on the compute dispatcher.</summary>
    public static Akka.Hosting.AkkaConfigurationBuilder WithTrainingExtractor(this Akka.Hosting.AkkaConfigurationBuilder builder, string device) =>
        builder.WithActors((system, registry) => registry.Register<TrainingExtractor>(
            system.ActorOf(TrainingExtractorActor.Props(device).WithDispatcher(Hosting.ComputeDispatcher.Id), Hosting.InspectionNodeHosting.TrainingExtractorPath)));
}
