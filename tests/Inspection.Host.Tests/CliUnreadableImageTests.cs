using Inspection.Engine.Data;
using Inspection.Host.Cli;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests;

/// <summary>One corrupt image among many neither aborts training nor evaluation: it is named, skipped, and the run goes on.</summary>
[Collection("cli")]
public class CliUnreadableImageTests(ITestOutputHelper log)
{
    [Fact]
    public void Train_skips_corrupt_empty_and_truncated_good_images_naming_each()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 6, TrainGood: 12, TestGood: 1, DefectsPerType: 1, Size: 64));
        var good = Directory.GetFiles(Path.Combine(data, "train", "good")).Order().ToList();
        File.WriteAllBytes(good[0], []);
        File.WriteAllText(good[1], "not a png");
        var png = File.ReadAllBytes(good[2]);
        File.WriteAllBytes(good[2], png[..(png.Length / 2)]);
        string model = folder.File("m.inspection");

        var run = CliRun.Invoke("train", "--data", data, "--image-size", "64", "--out", model);
        log.WriteLine(run.Out + run.Error);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.True(File.Exists(model));
        Assert.Contains("trained on 9 images", run.Out);
        foreach (var bad in good.Take(3)) Assert.Contains(bad, run.Error);
        Assert.Contains("3 of 11 training images are unreadable and were skipped", run.Error);
        Assert.DoesNotContain("error:", run.Error);
    }

    [Fact]
    public void Evaluate_reports_an_unreadable_test_image_and_scores_the_rest()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 6, TrainGood: 12, TestGood: 3, DefectsPerType: 1, Size: 64));
        string broken = Directory.GetFiles(Path.Combine(data, "test", "hole")).First();
        var png = File.ReadAllBytes(broken);
        File.WriteAllBytes(broken, png[..(png.Length / 3)]);
        string report = folder.File("report");

        var run = CliRun.Invoke("evaluate", "--data", data, "--image-size", "64", "--out", report);
        log.WriteLine(run.Out + run.Error);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains(broken, run.Error);
        Assert.Contains("(1 unreadable, skipped", run.Out);
        string json = File.ReadAllText(Path.Combine(report, "report.json"));
        Assert.Contains("unreadableTestImages", json);
        Assert.Contains(Path.GetFileName(broken), json);
    }
}
