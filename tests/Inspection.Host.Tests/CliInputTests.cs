using Inspection.Engine.Data;
using Inspection.Host.Cli;
using TorchSharp;
using Xunit;

namespace Inspection.Host.Tests;

/// <summary>Inputs of the wrong kind are named for what they are, with exit code 2.</summary>
[Collection("cli")]
public class CliInputTests
{
    [Fact]
    public void A_file_given_as_data_is_said_to_be_a_file()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("line.txt"), "not a folder");
        CliAssert.OneErrorLine(CliRun.Invoke("train", "--data", folder.File("line.txt"), "--out", folder.File("m.inspection")),
            ExitCodes.BadInput, $"Data folder '{folder.File("line.txt")}' is a file; expected a category folder in MVTec layout");
    }

    [Fact]
    public void A_train_good_of_tiff_files_says_they_are_not_read()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("line", "train", "good"));
        File.WriteAllBytes(folder.File("line", "train", "good", "000.tif"), [0x49, 0x49, 0x2A, 0]);
        CliAssert.OneErrorLine(CliRun.Invoke("evaluate", "--data", folder.File("line")), ExitCodes.BadInput, "it holds 1 TIFF images, which are not read");
    }

    [Theory]
    [InlineData("random.pth", "is not a PyTorch (.pth, a zip archive) or safetensors weights file")]
    [InlineData("random.safetensors", "is not a safetensors file")]
    [InlineData("legacy.pth", "was saved in PyTorch's legacy format (before 1.6)")]
    public void Weights_files_that_are_not_weights_are_named_for_what_they_are(string name, string expected)
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(TrainGood: 3, TestGood: 1, DefectsPerType: 1, Size: 64));
        var bytes = new byte[4096];
        new Random(1).NextBytes(bytes);
        if (name.StartsWith("legacy")) { bytes[0] = 0x80; bytes[1] = 0x02; } // a pickle, as torch.save wrote before 1.6
        else bytes[8] = (byte)'x'; // never a safetensors header by chance
        File.WriteAllBytes(folder.File(name), bytes);
        string line = CliAssert.OneErrorLine(CliRun.Invoke("train", "--data", data, "--image-size", "64", "--backbone-weights", folder.File(name), "--out", folder.File("m.inspection")),
            ExitCodes.BadInput, expected);
        Assert.Contains(folder.File(name), line);
        Assert.DoesNotContain("old PyTorch format", line);
        Assert.False(File.Exists(folder.File("m.inspection")));
    }

    [Fact]
    public void Wide_resnet_without_weights_is_refused_before_the_demo_generates_its_data()
    {
        using var folder = new TempFolder();
        CliAssert.OneErrorLine(CliRun.Invoke("demo", "--out", folder.File("demo"), "--backbone", "wide_resnet50_2"),
            ExitCodes.BadInput, "Backbone wide_resnet50_2 needs a weights file: give --backbone-weights");
        Assert.False(Directory.Exists(folder.File("demo")));
    }

    [Fact]
    public void Bench_batch_sizes_above_its_image_count_are_refused_before_training()
    {
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(TrainGood: 3, TestGood: 1, DefectsPerType: 1, Size: 64));
        var run = CliRun.Invoke("bench", "--data", data, "--images", "8", "--batch-sizes", "1", "32", "--out", folder.File("bench"));
        CliAssert.OneErrorLine(run, ExitCodes.BadInput, "--batch-sizes 32 is larger than --images 8: no batch of 32 could be timed");
        Assert.DoesNotContain("[", run.Error); // no progress line: training never started
    }

    [SkippableFact]
    public void A_cuda_device_on_a_machine_without_one_is_unusable_input_not_a_crash()
    {
        Skip.If(torch.cuda.is_available(), "CUDA is available here");
        using var folder = new TempFolder();
        string data = folder.File("line");
        SyntheticProductLine.Generate(data, new SyntheticLineOptions(TrainGood: 3, TestGood: 1, DefectsPerType: 1, Size: 64));
        string line = CliAssert.OneErrorLine(CliRun.Invoke("train", "--data", data, "--device", "cuda", "--out", folder.File("m.inspection")),
            ExitCodes.BadInput, "Device 'cuda' was requested but no CUDA device is visible");
        Assert.DoesNotContain("unexpected failure", line);
    }

    [Theory]
    [InlineData("gpu0", "Device 'gpu0' is not valid: use cpu, cuda, cuda:N or auto")]
    [InlineData("cuda:x", "Device 'cuda:x' is not valid")]
    public void A_device_name_that_is_not_one_is_refused(string device, string expected)
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("a.png"), "x");
        CliAssert.OneErrorLine(CliRun.Invoke("predict", "--model", folder.File("m.inspection"), "--device", device, folder.File("a.png"), "--out", folder.File("out")),
            ExitCodes.BadInput, expected);
    }

    [Theory]
    [InlineData("", "An input path is empty")]
    [InlineData("{dir}/missing.png", "Input '{dir}/missing.png' does not exist")]
    public void Predict_inputs_that_are_not_there_are_refused(string input, string expected)
    {
        using var folder = new TempFolder();
        string Fill(string s) => s.Replace("{dir}", folder.Path);
        CliAssert.OneErrorLine(CliRun.Invoke("predict", "--model", folder.File("m.inspection"), Fill(input), "--out", folder.File("out")),
            ExitCodes.BadInput, Fill(expected));
    }

    [Fact]
    public void A_folder_given_as_model_and_an_empty_model_file_are_named_for_what_they_are()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("empty.inspection"), []);
        File.WriteAllText(folder.File("a.png"), "x");
        CliAssert.OneErrorLine(CliRun.Invoke("predict", "--model", folder.Path, folder.File("a.png"), "--out", folder.File("out")),
            ExitCodes.BadInput, $"Model file '{folder.Path}' cannot be loaded: it is a folder, not a model file");
        CliAssert.OneErrorLine(CliRun.Invoke("predict", "--model", folder.File("empty.inspection"), folder.File("a.png"), "--out", folder.File("out")),
            ExitCodes.BadInput, "cannot be loaded: the file is empty");
        Assert.False(Directory.Exists(folder.File("out")));
    }

    [SkippableFact]
    public void An_unreadable_model_file_is_refused_with_the_reason()
    {
        // Root reads files whatever their mode, so this runs only for other users.
        Skip.If(Environment.UserName == "root", "permissions do not stop root from reading");
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("m.inspection"), [1, 2, 3]);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder.File("m.inspection"), UnixFileMode.None);
        File.WriteAllText(folder.File("a.png"), "x");
        CliAssert.OneErrorLine(CliRun.Invoke("predict", "--model", folder.File("m.inspection"), folder.File("a.png"), "--out", folder.File("out")),
            ExitCodes.BadInput, "cannot be loaded");
    }
}
