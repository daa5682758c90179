using Inspection.Engine.Backbones;
using Inspection.Engine.Imaging;
using static TorchSharp.torch;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// Training features of tiled images: every tile of every image (<see cref="TileLayout"/>) is one item of the bank's
/// training set, a batch of tiles at a time; images are decoded one at a time. The backbone is borrowed.
/// </summary>
public sealed class TiledPatchSource(ResNetBackbone backbone, int overlap) : ITrainingPatchSource
{
    public long Items(IReadOnlyList<string> images, Extent imageSize) =>
        images.Sum(path => (long)TiledInspection.LayoutOf(path, imageSize, overlap).Count);

    public IEnumerable<Tensor> Batches(IReadOnlyList<string> images, int batchSize, Extent imageSize)
    {
        var extractor = new PatchExtractor(backbone, imageSize); // not disposed: that would dispose the backbone
        var batch = new List<PreparedImage>(batchSize);
        foreach (string path in images)
        {
            using var bitmap = ImageDecoder.Decode(path);
            var layout = new TileLayout(bitmap.Width, bitmap.Height, imageSize, overlap);
            var pixels = TilePixels.Of(bitmap, layout);
            for (int i = 0; i < layout.Count; i++)
            {
                var (x, y) = layout.Origin(i);
                batch.Add(new PreparedImage($"{path} tile {i}", imageSize.Width, imageSize.Height, pixels.Crop(x, y, imageSize), imageSize));
                if (batch.Count < batchSize) continue;
                yield return extractor.Extract(batch);
                batch.Clear();
            }
        }
        if (batch.Count > 0) yield return extractor.Extract(batch);
    }
}
