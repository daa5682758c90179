using Inspection.Engine.Backbones;
using Inspection.Engine.Imaging;
using static TorchSharp.torch;

using Inspection.Engine.PatchCore;

namespace Inspection.Engine.Tiling;

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
            var tiles = new ImageTiles(bitmap, imageSize, overlap, path);
            for (int i = 0; i < tiles.Count; i++)
            {
                batch.Add(tiles.Tile(i));
                if (batch.Count < batchSize) continue;
                yield return extractor.Extract(batch);
                batch.Clear();
            }
        }
        if (batch.Count > 0) yield return extractor.Extract(batch);
    }
}
