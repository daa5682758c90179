using Inspection.Engine.Backbones;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using TorchSharp;

namespace Inspection.Actors.Extraction;

/// <summary>
/// Backbones kept resident on one device, one per (network, layers, weights, precision, input size): loading one
/// takes far longer than a batch. Owned by one actor, which disposes it when it stops.
/// </summary>
public sealed class BackboneCache(torch.Device device) : IDisposable
{
    private readonly Dictionary<string, PatchExtractor> _extractors = new(StringComparer.Ordinal);

    public PatchExtractor Get(string backbone, string[] layers, string? weights, string precision, Extent imageSize)
    {
        string key = $"{backbone}|{string.Join(",", layers)}|{weights}|{precision}|{imageSize}";
        if (!_extractors.TryGetValue(key, out var extractor))
            _extractors[key] = extractor = new PatchExtractor(BackboneFactory.Create(backbone, layers, device, weights, precision: precision), imageSize);
        return extractor;
    }

    public void Dispose()
    {
        foreach (var extractor in _extractors.Values) extractor.Dispose();
        _extractors.Clear();
    }
}
