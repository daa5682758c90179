using Inspection.Engine.Data;
using Inspection.Engine.Evaluation;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using Inspection.Engine.Tiling;

namespace Inspection.Engine.Tests.Tiling;

public class TileLayoutTests
{
    [Fact]
    public void Tiles_step_by_a_tile_less_the_overlap_and_the_last_is_flush_with_the_edge()
    {
        var layout = new TileLayout(300, 400, new Extent(256, 256), 32);
        Assert.Equal([0, 44], layout.Columns);
        Assert.Equal([0, 144], layout.Rows);
        Assert.Equal(4, layout.Count);
        Assert.Equal((44, 144), layout.Origin(3));
        var wide = new TileLayout(1000, 256, new Extent(256, 256), 0);
        Assert.Equal([0, 256, 512, 744], wide.Columns);
        Assert.Equal([1, 1, 1], wide.CoverageOfColumns()[..3]);
        Assert.Equal(2, wide.CoverageOfColumns()[750]); // 744..767 lie in two tiles
        Assert.Equal(new Extent(256, 1000), wide.Work);
    }

    [Fact]
    public void An_image_smaller_than_a_tile_is_enlarged_to_hold_one_keeping_its_aspect()
    {
        var layout = new TileLayout(100, 400, new Extent(256, 256), 32);
        Assert.Equal(new Extent(1024, 256), layout.Work);
        Assert.Equal([0], layout.Columns);
        Assert.Throws<ArgumentException>(() => new TileLayout(100, 100, new Extent(64, 64), 64));
        Assert.Throws<ArgumentException>(() => new TileLayout(0, 100, new Extent(64, 64), 0));
    }
}

public class TiledInspectionTests(ITestOutputHelper output)
{
    private static (SyntheticLineSummary Strips, PatchCoreModel Model) TiledModel(TempFolder folder, int overlap)
    {
        var strips = SyntheticStripLine.Generate(folder.File("strips"), new SyntheticStripOptions(Seed: 3, TrainGood: 8, TestGood: 2, DefectsPerType: 1, Height: 256, Width: 64));
        var settings = new PatchCoreSettings { ImageSize = 64, TileOverlap = overlap, CoresetRatio = 0.1 };
        return (strips, new PatchCoreTrainer(settings, CPU).Train(TrainingSplit.Of(MvtecCategory.Open(strips.Folder), settings)));
    }

    [Fact]
    public void A_tiled_model_learns_from_every_tile_and_scores_an_image_as_its_worst_tile_with_the_maps_stitched()
    {
        using var folder = new TempFolder();
        var (strips, model) = TiledModel(folder, overlap: 16);
        using (model)
        {
            // 256 x 64 strips in 64 x 64 tiles overlapping by 16: 5 tiles an image, 64 patches a tile.
            Assert.Equal(16, model.Metadata.TileOverlap);
            Assert.Equal(5L * 64 * model.Metadata.Training.Images, model.Metadata.Training.Patches);
            string path = Directory.GetFiles(Path.Combine(strips.Folder, "test", "nick")).Single();
            using var image = ImageDecoder.Decode(path);
            var tiled = TiledInspection.Inspect(model, image, 16, batchSize: 3);
            Assert.Equal(5, tiled.Tiles);
            Assert.Equal(new Extent(256, 64), tiled.MapSize);
            // The image score is the highest of its tiles' own scores, and a pixel only one tile covers has that tile's map value.
            var layout = new TileLayout(64, 256, 64, 16);
            var tiles = Enumerable.Range(0, layout.Count).Select(i =>
            {
                var (x, y) = layout.Origin(i);
                using var crop = new SKBitmap(64, 64);
                using (var canvas = new SKCanvas(crop)) canvas.DrawBitmap(image, new SKRect(x, y, x + 64, y + 64), new SKRect(0, 0, 64, 64));
                return new PreparedImage($"tile {i}", 64, 64, ImageTensorConverter.ResizeToPixels(crop, 64, 64), 64);
            }).ToList();
            var alone = model.Inspect(tiles);
            Assert.Equal(alone.ImageScores.Max(), tiled.Score, 4);
            Assert.Equal(alone.AnomalyMaps[0][5 * 64 + 7], tiled.Map[5 * 64 + 7], 4);       // row 5: first tile only
            float shared = (alone.AnomalyMaps[0][60 * 64 + 7] + alone.AnomalyMaps[1][(60 - layout.Rows[1]) * 64 + 7]) / 2;
            Assert.Equal(shared, tiled.Map[60 * 64 + 7], 4);                                   // row 60: tiles 0 and 1 averaged
        }
    }

    [Fact]
    public void Evaluation_of_a_tiled_model_scores_every_test_image_at_its_own_size()
    {
        using var folder = new TempFolder();
        var strips = SyntheticStripLine.Generate(folder.File("strips"), new SyntheticStripOptions(Seed: 4, TrainGood: 8, TestGood: 2, DefectsPerType: 2, Height: 256, Width: 64));
        var sizes = new List<Extent>();
        var (result, model) = new PatchCoreEvaluator(new PatchCoreSettings { ImageSize = 64, TileOverlap = 0, CoresetRatio = 0.1 }, CPU)
            { OnMap = (_, _, size) => sizes.Add(size) }.Run(strips.Folder);
        using (model)
        {
            Assert.Equal(8, result.Images.Count);
            Assert.All(sizes, s => Assert.Equal(new Extent(256, 64), s));
            Assert.InRange(result.Metrics.PixelAupro, 0, 1);
            output.WriteLine($"tiled: image AUROC {result.Metrics.ImageAuroc:F4}, pixel AUROC {result.Metrics.PixelAuroc:F4}, AUPRO {result.Metrics.PixelAupro:F4}");
        }
    }

    [Fact]
    public void A_6000_by_4000_image_is_inspected_tile_by_tile()
    {
        using var folder = new TempFolder();
        var (strips, model) = TiledModel(folder, overlap: 0);
        using (model)
        {
            using var part = ImageDecoder.Decode(Directory.GetFiles(Path.Combine(strips.Folder, "test", "good")).First());
            using var large = new SKBitmap(6000, 4000);
            using (var canvas = new SKCanvas(large))
                for (int x = 0; x < 6000; x += part.Width)
                    for (int y = 0; y < 4000; y += part.Height) canvas.DrawBitmap(part, x, y);
            var tiled = TiledInspection.Inspect(model, large, 0, batchSize: 32);
            Assert.Equal(94 * 63, tiled.Tiles);
            Assert.Equal(new Extent(4000, 6000), tiled.MapSize);
            Assert.Equal(6000 * 4000, tiled.Map.Length);
            Assert.True(float.IsFinite(tiled.Score));
            Assert.All(tiled.Map.Where((_, i) => i % 9973 == 0), v => Assert.True(float.IsFinite(v)));
        }
    }
}
