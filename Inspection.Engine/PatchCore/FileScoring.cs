using Inspection.Engine.Imaging;
using Inspection.Engine.Tiling;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// Scores image files with a model the way it was trained: whole images resized to its input, a batch at a time, or
/// (tiled models) each image tile by tile. A file's map is the input's size, or for tiled models the image's own
/// (its work size: <see cref="TileLayout"/>); ground-truth masks are resized to it.
/// </summary>
public static class FileScoring
{
    public sealed record ScoredFile(string Path, float Score, float[] Map, Extent MapSize);

    /// <summary>The files' scores and maps in order, a group at a time with the group's stage timings.</summary>
    public static IEnumerable<(IReadOnlyList<ScoredFile> Files, StageTimings Timings)> Score(PatchCoreModel model, IReadOnlyList<string> paths, int batchSize)
    {
        if (model.Metadata.TileOverlap is int overlap)
        {
            foreach (string path in paths)
            {
                using var bitmap = ImageDecoder.Decode(path);
                var result = TiledInspection.Inspect(model, bitmap, overlap, batchSize);
                yield return ([new ScoredFile(path, result.Score, result.Map, result.MapSize)], result.Timings);
            }
            yield break;
        }
        for (int start = 0; start < paths.Count; start += batchSize)
        {
            var chunk = paths.Skip(start).Take(batchSize).ToList();
            var result = model.Inspect(PreparedImage.FromFiles(chunk, model.Metadata.ImageSize));
            yield return (chunk.Select((p, i) => new ScoredFile(p, result.ImageScores[i], result.AnomalyMaps[i], result.MapSize)).ToList(), result.Timings);
        }
    }
}
