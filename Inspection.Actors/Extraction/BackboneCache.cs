using Inspection.Actors.Messages;
using Inspection.Actors.Shards;
using Inspection.Engine.Backbones;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using TorchSharp;

namespace Inspection.Actors.Extraction;

/// <summary>
/// Backbones kept resident on one device, one per (network, layers, weights, precision, input size): loading one
/// takes far longer than a batch. Owned by one actor, which disposes it when it stops; the actors it shares it with
/// (its children, stopped before it) call <see cref="Features(ModelDeployment, IReadOnlyList{PreparedImage})"/> from their own threads.
/// </summary>
public sealed class BackboneCache(torch.Device device) : IDisposable
{
    private readonly Dictionary<string, PatchExtractor> _extractors = new(StringComparer.Ordinal);
    // One batch on the device at a time, as when one actor extracted everything: its peak memory stays one batch's,
    // and a backbone is never loaded twice or run from two threads at once.
    private readonly Lock _gate = new();
    private bool _disposed;

    /// <summary>
    /// The patch features of <paramref name="images"/> with the deployment's backbone, [images x patches, D] in float32.
    /// The backbone runs in the precision the bank was built with; shards search in float32 (exact distances).
    /// </summary>
    public FeatureBlock Features(ModelDeployment d, IReadOnlyList<PreparedImage> images) =>
        Features(d.Backbone, d.Layers, d.BackboneWeights, d.Precision, d.Input(), images);

    /// <inheritdoc cref="Features(ModelDeployment, IReadOnlyList{PreparedImage})"/>
    public FeatureBlock Features(string backbone, string[] layers, string? weights, string precision, Extent imageSize, IReadOnlyList<PreparedImage> images)
    {
        lock (_gate)
        {
            // An owner restarting disposes it while its children may still be finishing a message.
            ObjectDisposedException.ThrowIf(_disposed, this);
            var extractor = Get(backbone, layers, weights, precision, imageSize); // outside the scope: it stays resident
            // A scope of its own per call (scopes are per thread): the batch's tensors go with it, only bytes leave.
            using var scope = torch.NewDisposeScope();
            var patches = extractor.Extract(images);
            return patches.reshape(-1, patches.shape[2]).ToBlock();
        }
    }

    private PatchExtractor Get(string backbone, string[] layers, string? weights, string precision, Extent imageSize)
    {
        string key = $"{backbone}|{string.Join(",", layers)}|{weights}|{precision}|{imageSize}";
        if (!_extractors.TryGetValue(key, out var extractor))
            _extractors[key] = extractor = new PatchExtractor(BackboneFactory.Create(backbone, layers, device, weights, precision: precision), imageSize);
        return extractor;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var extractor in _extractors.Values) extractor.Dispose();
            _extractors.Clear();
            _disposed = true;
        }
    }
}
