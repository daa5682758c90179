using System.Text.Json;
using Inspection.Engine.Data;
using Inspection.Engine.Tests.Imaging;
using Inspection.Engine.Tests.Models;
using Inspection.Host.Cli;
using SkiaSharp;
using Xunit;

namespace Inspection.Host.Tests;

/// <summary>A small model (64x64 synthetic line) trained once for the predict tests.</summary>
public sealed class SmallModel : IDisposable
{
    private readonly TempFolder _folder = new();
    public string Data => _folder.File("line");
    public string Model => _folder.File("line.inspection");

    public SmallModel()
    {
        SyntheticProductLine.Generate(Data, new SyntheticLineOptions(Seed: 5, TrainGood: 6, TestGood: 1, DefectsPerType: 1, Size: 64));
        var run = CliRun.Invoke("train", "--data", Data, "--out", Model, "--image-size", "64");
        if (run.ExitCode != ExitCodes.Success) throw new InvalidOperationException($"training the test model failed: {run.Error}");
    }

    public string TestImage(string type) => Path.Combine(Data, "test", type, "000.png");

    public void Dispose() => _folder.Dispose();
}

/// <summary>What predict reads from folders, and its exit codes when images cannot be scored.</summary>
[Collection("cli")]
public class CliPredictTests(SmallModel model) : IClassFixture<SmallModel>
{
    private static List<JsonElement> JsonLines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Fact]
    public void When_no_image_can_be_scored_predict_exits_2_with_one_line()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("text.png"), "this PNG is a text file");
        File.WriteAllBytes(folder.File("empty.jpg"), []);
        var run = CliRun.Invoke("predict", "--model", model.Model, folder.File("text.png"), folder.File("empty.jpg"), "--out", folder.File("out"));
        CliAssert.OneErrorLine(run, ExitCodes.BadInput, "none of the 2 image(s) could be scored");
        var lines = JsonLines(run.Out);
        Assert.Equal(2, lines.Count);
        Assert.Contains("it is a text file, not an image", lines[0].GetProperty("error").GetString());
        Assert.Contains("the file is empty", lines[1].GetProperty("error").GetString());
        Assert.Equal(2, File.ReadAllLines(folder.File("out", "results.jsonl")).Length);
    }

    [Fact]
    public void When_some_images_are_scored_and_some_not_predict_exits_3()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("text.png"), "this PNG is a text file");
        var run = CliRun.Invoke("predict", "--model", model.Model, model.TestImage("good"), folder.File("text.png"), "--out", folder.File("out"));
        CliAssert.OneErrorLine(run, ExitCodes.SomeImagesFailed, "1 of 2 images could not be scored");
    }

    [Fact]
    public void A_folder_is_read_with_its_subfolders_other_formats_get_error_lines_and_other_files_a_warning()
    {
        using var folder = new TempFolder();
        string inputs = folder.File("inputs");
        Directory.CreateDirectory(Path.Combine(inputs, "hole"));
        File.Copy(model.TestImage("good"), Path.Combine(inputs, "good.png"));
        File.Copy(model.TestImage("hole"), Path.Combine(inputs, "hole", "part.png"));
        File.WriteAllBytes(Path.Combine(inputs, "scan.tif"), [0x49, 0x49, 0x2A, 0, 8, 0, 0, 0, 0, 0, 0, 0]);
        File.WriteAllText(Path.Combine(inputs, "notes.txt"), "shift notes");
        File.Copy(model.TestImage("good"), Path.Combine(inputs, ".hidden.png"));
        // The output inside the input folder, as after an earlier run: its heatmaps are not inputs.
        string outFolder = Path.Combine(inputs, "out");
        Directory.CreateDirectory(outFolder);
        File.Copy(model.TestImage("good"), Path.Combine(outFolder, "good_heatmap.png"));

        var run = CliRun.Invoke("predict", "--model", model.Model, inputs, "--out", outFolder);

        CliAssert.OneErrorLine(run, ExitCodes.SomeImagesFailed, "1 of 3 images could not be scored");
        var warning = Assert.Single(run.Error.Split('\n'), l => l.StartsWith("warning: "));
        Assert.Contains("skipped 1 file(s)", warning);
        Assert.Contains("notes.txt", warning);
        var lines = JsonLines(run.Out);
        Assert.Equal([Path.Combine(inputs, "good.png"), Path.Combine(inputs, "hole", "part.png"), Path.Combine(inputs, "scan.tif")],
            lines.Select(l => l.GetProperty("path").GetString()).Order(StringComparer.Ordinal));
        var tiff = Assert.Single(lines, l => l.TryGetProperty("error", out _));
        Assert.Contains("scan.tif", tiff.GetProperty("error").GetString());
        Assert.Contains("its format is TIFF, which is not supported", tiff.GetProperty("error").GetString());
    }

    [Fact]
    public void A_folder_without_images_is_refused_with_one_line()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("inputs", "sub"));
        File.WriteAllText(folder.File("inputs", "notes.txt"), "no images here");
        var run = CliRun.Invoke("predict", "--model", model.Model, folder.File("inputs"), "--out", folder.File("out"));
        CliAssert.OneErrorLine(run, ExitCodes.BadInput, "holds no images, in it or its subfolders");
        Assert.False(Directory.Exists(folder.File("out")));
    }

    [Fact]
    public void An_upright_jpeg_and_its_turned_copy_with_an_orientation_tag_score_the_same()
    {
        using var folder = new TempFolder();
        // A good part: its streaks run one way, so the part turned on its side is not a good part.
        using var upright = SKBitmap.Decode(model.TestImage("good"));
        using var data = upright.Encode(SKEncodedImageFormat.Jpeg, 100);
        File.WriteAllBytes(folder.File("upright.jpg"), data.ToArray());
        // The same picture stored turned 90 degrees anticlockwise: as it is, and tagged "turn clockwise to view" (orientation 6).
        using var stored = new SKBitmap(upright.Height, upright.Width);
        using (var canvas = new SKCanvas(stored))
        {
            canvas.Translate(0, upright.Width);
            canvas.RotateDegrees(-90);
            canvas.DrawBitmap(upright, 0, 0);
        }
        using var turned = stored.Encode(SKEncodedImageFormat.Jpeg, 100);
        File.WriteAllBytes(folder.File("turned-untagged.jpg"), turned.ToArray());
        File.WriteAllBytes(folder.File("turned-tagged.jpg"), ExifJpeg.WithOrientation(turned.ToArray(), 6));

        var run = CliRun.Invoke("predict", "--model", model.Model, folder.File("upright.jpg"), folder.File("turned-untagged.jpg"),
            folder.File("turned-tagged.jpg"), "--out", folder.File("out"));

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var scores = JsonLines(run.Out).Select(l => l.GetProperty("score").GetDouble()).ToList();
        Assert.True(Math.Abs(scores[1] - scores[0]) > 0.2 * scores[0], $"the turned part should look different: {string.Join(", ", scores)}");
        Assert.True(Math.Abs(scores[2] - scores[0]) < 0.05 * scores[0], $"the tagged copy should be read upright: {string.Join(", ", scores)}");
    }

    [Fact]
    public void A_hand_corrupted_model_is_refused_naming_the_field()
    {
        using var folder = new TempFolder();
        File.Copy(model.Model, folder.File("edited.inspection"));
        ModelHeaderEditor.Edit(folder.File("edited.inspection"), h => h["EmbeddingDimensions"] = 100);
        CliAssert.OneErrorLine(CliRun.Invoke("predict", "--model", folder.File("edited.inspection"), model.TestImage("good"), "--out", folder.File("out")),
            ExitCodes.BadInput, "field EmbeddingDimensions is 100 but the memory bank has 384 dimensions");
        Assert.False(Directory.Exists(folder.File("out")));
    }
}
