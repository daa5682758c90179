using System.Text.Json;
using Inspection.Engine.Data;
using Inspection.Host.Cli;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;

namespace Inspection.Host.Tests;

[CollectionDefinition("cli", DisableParallelization = true)]
public sealed class CliCollection;

/// <summary>The inspection command as a user runs it: real files, real models, exit codes and the lines printed.</summary>
[Collection("cli")]
public class CliTests(ITestOutputHelper log)
{
    [Fact]
    public void Train_on_a_folder_without_train_good_fails_with_one_line()
    {
        using var folder = new TempFolder();
        CliAssert.OneErrorLine(CliRun.Invoke("train", "--data", folder.Path, "--out", folder.File("m.inspection")), ExitCodes.BadInput, "no train/good");
        Assert.False(File.Exists(folder.File("m.inspection")));
    }

    [Fact]
    public void Train_on_an_empty_train_good_fails_with_one_line()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("train", "good"));
        CliAssert.OneErrorLine(CliRun.Invoke("train", "--data", folder.Path, "--out", folder.File("m.inspection")), ExitCodes.BadInput, "holds no images");
    }

    [Theory]
    [InlineData("100", "multiple of 16 (for example 96 or 112)")]
    [InlineData("96x100", "Image size 96x100 does not suit resnet18 with layers up to layer3: each side must be a multiple of 16 (for example 96 or 112 instead of 100)")]
    public void Train_at_an_image_size_the_backbone_cannot_take_fails_with_one_line_naming_sizes_that_work(string size, string expected)
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 2, TrainGood: 4, TestGood: 1, DefectsPerType: 1, Size: 64));
        CliAssert.OneErrorLine(CliRun.Invoke("train", "--data", data, "--image-size", size, "--out", folder.File("m.inspection")),
            ExitCodes.BadInput, expected);
        Assert.False(File.Exists(folder.File("m.inspection")));
    }

    [Fact]
    public void Predict_with_an_unreadable_model_fails_with_one_line()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("broken.inspection"), [1, 2, 3, 4]);
        File.WriteAllBytes(folder.File("a.png"), [1, 2, 3]);
        CliAssert.OneErrorLine(CliRun.Invoke("predict", "--model", folder.File("broken.inspection"), folder.File("a.png"), "--out", folder.File("out")),
            ExitCodes.BadInput, "cannot be loaded");
    }

    [Fact]
    public void Evaluate_with_a_mask_of_another_size_fails_with_one_line()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(TrainGood: 6, TestGood: 2, DefectsPerType: 1, Size: 64));
        string mask = Directory.GetFiles(Path.Combine(data, "ground_truth"), "*_mask.png", SearchOption.AllDirectories).First();
        using (var small = new SKBitmap(32, 32)) using (var png = small.Encode(SKEncodedImageFormat.Png, 100)) File.WriteAllBytes(mask, png.ToArray());
        CliAssert.OneErrorLine(CliRun.Invoke("evaluate", "--data", data, "--image-size", "64"), ExitCodes.BadInput, "32x32");
    }

    [Fact]
    public void Train_then_predict_scores_good_low_defects_high_and_reports_bad_images_without_losing_the_rest()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 3, TrainGood: 16, TestGood: 3, DefectsPerType: 2, Size: 128));
        string model = folder.File("line.inspection");
        var train = CliRun.Invoke("train", "--data", data, "--out", model, "--image-size", "128");
        log.WriteLine(train.Out + train.Error);
        Assert.Equal(ExitCodes.Success, train.ExitCode);
        Assert.True(File.Exists(model));

        // A folder of test images plus one truncated and one non-image file.
        string inputs = folder.File("inputs");
        Directory.CreateDirectory(inputs);
        foreach (var f in Directory.GetFiles(Path.Combine(data, "test"), "*.png", SearchOption.AllDirectories))
            File.Copy(f, Path.Combine(inputs, $"{Path.GetFileName(Path.GetDirectoryName(f))}_{Path.GetFileName(f)}"));
        var good = File.ReadAllBytes(Path.Combine(inputs, "good_000.png"));
        File.WriteAllBytes(Path.Combine(inputs, "zz_truncated.png"), good[..(good.Length / 3)]);
        File.WriteAllText(Path.Combine(inputs, "zz_text.jpg"), "this is not a jpeg");

        string outFolder = folder.File("out");
        var predict = CliRun.Invoke("predict", "--model", model, inputs, "--out", outFolder);
        log.WriteLine(predict.Out + predict.Error);
        Assert.Equal(ExitCodes.SomeImagesFailed, predict.ExitCode);
        var lines = predict.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3 + 6 + 2, lines.Count); // every input has exactly one line
        var errors = lines.Where(l => l.TryGetProperty("error", out _)).ToList();
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.GetProperty("error").GetString()!.Contains("truncated"));
        var scored = lines.Where(l => l.TryGetProperty("score", out _)).ToList();
        Assert.All(scored, l => Assert.True(File.Exists(l.GetProperty("heatmap").GetString())));
        double Mean(string prefix) => scored.Where(l => Path.GetFileName(l.GetProperty("path").GetString())!.StartsWith(prefix)).Average(l => l.GetProperty("score").GetDouble());
        Assert.True(Mean("good") < Mean("hole") && Mean("good") < Mean("stain") && Mean("good") < Mean("scratch"));
        Assert.All(scored.Where(l => !Path.GetFileName(l.GetProperty("path").GetString())!.StartsWith("good")),
            l => Assert.Equal("fail", l.GetProperty("verdict").GetString()));
        Assert.Equal(lines.Count, File.ReadAllLines(Path.Combine(outFolder, "results.jsonl")).Length);
        Assert.Single(predict.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error: "));
    }

    [Fact]
    public void A_node_trains_its_line_and_scores_what_appears_in_its_camera_folder()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 4, TrainGood: 10, TestGood: 1, DefectsPerType: 1, Size: 128));
        string camera = folder.File("camera");
        Directory.CreateDirectory(camera);
        File.Copy(Path.Combine(data, "test", "good", "000.png"), Path.Combine(camera, "part-good.png"));
        File.Copy(Path.Combine(data, "test", "hole", "000.png"), Path.Combine(camera, "part-hole.png"));
        var run = CliRun.Invoke("node", "--db", folder.File("node.db"), "--train", $"line-a={data}", "--camera", $"line-a={camera}",
            "--image-size", "128", "--heatmaps", folder.File("heatmaps"), "--for", "20");
        log.WriteLine(run.Out + run.Error);
        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains("line 'line-a' serves v1", run.Out);
        var results = run.Out.Split('\n').Where(l => l.StartsWith("result line-a/")).ToList();
        Assert.Equal(2, results.Count);
        Assert.Contains(results, l => l.Contains("part-hole.png") && l.Contains("FAIL"));
        Assert.Contains(results, l => l.Contains("part-good.png"));
        // One overlay and one plain heatmap per frame, and each flagged frame itself.
        var files = Directory.GetFiles(Path.Combine(folder.File("heatmaps"), "line-a")).Select(Path.GetFileName).ToList();
        Assert.Equal(2, files.Count(f => f!.EndsWith("-overlay.png")));
        Assert.Equal(2, files.Count(f => f!.EndsWith("-heatmap.png")));
        Assert.Equal(results.Count(l => l.Contains("FAIL")), files.Count(f => f!.EndsWith("-image.png")));
    }

    [Fact]
    public void Bench_with_bank_sizes_given_no_value_skips_the_knn_scaling_table()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 5, TrainGood: 6, TestGood: 1, DefectsPerType: 1, Size: 64));
        var run = CliRun.Invoke("bench", "--data", data, "--image-size", "64", "--batch-sizes", "1", "--images", "2", "--bank-sizes",
            "--sweep-seconds", "0", "--pipeline-shards", "0", "--out", folder.File("bench"));
        Assert.True(run.ExitCode == ExitCodes.Success, run.Out + run.Error);
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.File("bench"), "bench.json"))).RootElement;
        Assert.Equal(0, report.GetProperty("knnScaling").GetArrayLength());
        Assert.DoesNotContain("exact 1-NN against bank size", run.Out);
        Assert.Contains("images/s, decode included", run.Out);
    }

    [Fact]
    public void Bench_times_the_engine_and_the_pipeline_against_bank_size_and_writes_json_and_a_plot()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(Seed: 4, TrainGood: 12, TestGood: 2, DefectsPerType: 1, Size: 128));
        string outFolder = folder.File("bench");
        var run = CliRun.Invoke("bench", "--data", data, "--image-size", "128", "--batch-size", "2", "--batch-sizes", "1", "2", "--images", "4",
            "--bank-sizes", "1024", "4096", "--sweep-seconds", "1", "--pipeline-shards", "2", "--coreset-points", "3000", "--knn-images", "2", "--out", outFolder);
        log.WriteLine(run.Out + run.Error);
        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outFolder, "bench.json"))).RootElement;
        Assert.Equal(2, report.GetProperty("rows").GetArrayLength());
        Assert.All(report.GetProperty("rows").EnumerateArray(), r => Assert.True(r.GetProperty("imagesPerSecondWithDecode").GetDouble() > 0));
        Assert.Equal(2, report.GetProperty("knnScaling").GetArrayLength());
        Assert.All(report.GetProperty("knnScaling").EnumerateArray(), r => Assert.Equal(2, r.GetProperty("Images").GetInt32()));
        Assert.Equal(2, report.GetProperty("backbone").GetProperty("batch").GetInt32());
        Assert.True(report.GetProperty("backbone").GetProperty("imagesPerSecond").GetDouble() > 0);
        var check = report.GetProperty("backboneCheck");
        Assert.True(check.GetProperty("LargestFeature").GetDouble() > 0.1);
        Assert.True(check.GetProperty("MaxDifference").GetDouble() <= 1e-5 * check.GetProperty("LargestFeature").GetDouble());
        Assert.Contains("backbone check (fp32)", run.Out);
        var sweep = report.GetProperty("bankSweep").EnumerateArray().ToList();
        Assert.Equal(new long[] { 1024, 4096 }, sweep.Select(r => r.GetProperty("BankSize").GetInt64()));
        Assert.All(sweep, r =>
        {
            Assert.True(r.GetProperty("EngineImagesPerSecond").GetDouble() > 0);
            var pipeline = r.GetProperty("Pipeline");
            Assert.True(pipeline.GetProperty("Frames").GetInt32() >= 2);
            Assert.Equal(0, pipeline.GetProperty("Failed").GetInt32());
            Assert.True(pipeline.GetProperty("FramesPerSecond").GetDouble() > 0);
        });
        Assert.Equal(300, report.GetProperty("coresetRandom").GetProperty("selected").GetInt64());
        Assert.True(File.Exists(Path.Combine(outFolder, "bank-scaling.png")));
        Assert.Contains("pipeline / engine", run.Out);
        var stages = report.GetProperty("pipeline").GetProperty("Stages").EnumerateArray().ToList();
        var names = stages.Select(s => s.GetProperty("Name").GetString()).ToList();
        Assert.Equal(["decode", "extraction", "shard nearest"], names.Take(3));
        Assert.Contains("persist", names);
        // Four timed frames: each decoded once and stored once; two shards answer every batch's nearest-neighbour request.
        Assert.Equal(4, stages.Single(s => s.GetProperty("Name").GetString() == "decode").GetProperty("Calls").GetInt32());
        Assert.Equal(4, stages.Single(s => s.GetProperty("Name").GetString() == "persist").GetProperty("Calls").GetInt32());
        Assert.All(stages, s => Assert.True(s.GetProperty("MsPerFrame").GetDouble() >= 0));
        Assert.Contains("pipeline stages", run.Out);
    }

    [Fact]
    public void Demo_needs_no_data_and_detects_the_synthetic_defects()
    {
        using var folder = new TempFolder();
        var run = CliRun.Invoke("demo", "--out", folder.Path);
        log.WriteLine(run.Out + run.Error);
        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var auroc = run.Out.Split('\n').Single(l => l.Contains("image AUROC"));
        double value = double.Parse(auroc.Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(value > 0.9, auroc);
        Assert.True(File.Exists(Path.Combine(folder.Path, "report", "report.json")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(folder.Path, "report", "examples"), "*.png"));
    }
}
