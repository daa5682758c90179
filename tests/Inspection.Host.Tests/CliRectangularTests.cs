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
}
