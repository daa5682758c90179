using System.Text.Json;
using Inspection.Engine.Data;
using Inspection.Engine.Models;
using Inspection.Engine.Tests.Models;
using Inspection.Host.Cli;
using SkiaSharp;
using Xunit;

namespace Inspection.Host.Tests;

/// <summary>train, evaluate and predict with an input of the parts' aspect (auto) on an elongated line.</summary>
[Collection("cli")]
public class CliRectangularTests
{
    [Fact]
    public void A_model_trained_on_auto_size_keeps_the_parts_aspect_and_predict_flags_an_image_of_another()
    {
        using var folder = new TempFolder();
        string data = folder.File("strips");
        SyntheticStripLine.Generate(data, new SyntheticStripOptions(Seed: 4, TrainGood: 8, TestGood: 1, DefectsPerType: 1, Height: 256, Width: 64));
        SyntheticProductLine.Generate(folder.File("square"), new SyntheticLineOptions(Seed: 1, TrainGood: 1, TestGood: 1, DefectsPerType: 0, Size: 96));
        string model = folder.File("strips.inspection");
        var train = CliRun.Invoke("train", "--data", data, "--out", model, "--image-size", "auto:4096", "--coreset-ratio", "0.25");
        Assert.True(train.ExitCode == ExitCodes.Success, train.Error);
        var (metadata, bank) = ModelFile.Read(model);
        bank.Dispose();
        Assert.Equal("128x32", metadata.ImageSize.ToString());
        Assert.Equal(4096, metadata.AutoImagePixels);

        string strip = Path.Combine(data, "test", "nick", "000.png");
        string square = Path.Combine(folder.File("square"), "test", "good", "000.png");
        var run = CliRun.Invoke("predict", "--model", model, strip, square, "--out", folder.File("out"));
        Assert.True(run.ExitCode == ExitCodes.Success, run.Error);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var ofStrip = lines.Single(l => l.GetProperty("path").GetString() == strip);
        var ofSquare = lines.Single(l => l.GetProperty("path").GetString() == square);
        Assert.Equal(JsonValueKind.Null, ofStrip.GetProperty("warning").ValueKind);
        Assert.Contains("96x96", ofSquare.GetProperty("warning").GetString());
        // The overlay is drawn over the original image, at its own size.
        using var overlay = SKBitmap.Decode(ofStrip.GetProperty("heatmap").GetString());
        Assert.Equal((64, 256), (overlay.Width, overlay.Height));

        var evaluate = CliRun.Invoke("evaluate", "--data", data, "--image-size", "128x32", "--coreset-ratio", "0.25", "--out", folder.File("report"));
        Assert.True(evaluate.ExitCode == ExitCodes.Success, evaluate.Error);
        Assert.Contains("pixel AUPRO", evaluate.Out);
        Assert.NotEmpty(Directory.GetFiles(folder.File(Path.Combine("report", "examples")), "*.png"));
    }

    [Fact]
    public void A_tiled_model_scores_each_image_tile_by_tile_and_draws_its_map_over_the_whole_image()
    {
        using var folder = new TempFolder();
        string data = folder.File("strips");
        SyntheticStripLine.Generate(data, new SyntheticStripOptions(Seed: 4, TrainGood: 6, TestGood: 1, DefectsPerType: 1, Height: 256, Width: 64));
        string model = folder.File("tiled.inspection");
        var train = CliRun.Invoke("train", "--data", data, "--out", model, "--tiled", "--image-size", "64", "--tile-overlap", "16");
        Assert.True(train.ExitCode == ExitCodes.Success, train.Error);
        var (metadata, bank) = ModelFile.Read(model);
        bank.Dispose();
        Assert.Equal((64, 16), (metadata.ImageSize.Height, metadata.TileOverlap));

        string strip = Path.Combine(data, "test", "nick", "000.png");
        var run = CliRun.Invoke("predict", "--model", model, strip, "--out", folder.File("out"));
        Assert.True(run.ExitCode == ExitCodes.Success, run.Error);
        var line = JsonDocument.Parse(run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single()).RootElement;
        Assert.Equal(5, line.GetProperty("tiles").GetInt32());
        using var overlay = SKBitmap.Decode(line.GetProperty("heatmap").GetString());
        Assert.Equal((64, 256), (overlay.Width, overlay.Height));

        CliAssert.OneErrorLine(CliRun.Invoke("train", "--data", data, "--out", folder.File("x.inspection"), "--tiled", "--image-size", "auto"),
            ExitCodes.BadInput, "auto image size and tiling exclude each other");
        CliAssert.OneErrorLine(CliRun.Invoke("train", "--data", data, "--out", folder.File("x.inspection"), "--tiled", "--image-size", "64", "--tile-overlap", "64"),
            ExitCodes.BadInput, "A tile overlap of 64 pixels must be from 0 to less than the tile's shorter side (64)");
    }
}
