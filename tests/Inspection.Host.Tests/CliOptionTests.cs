using Inspection.Host.Cli;
using Xunit;

namespace Inspection.Host.Tests;

/// <summary>
/// Every option value a command cannot use ends the run while parsing: one <c>error:</c> line naming the option and what
/// it accepts, exit code 2, and nothing written. <c>{dir}</c> in an argument is a temporary folder holding
/// <c>file.txt</c>; <c>{data}</c> is a category folder that would train.
/// </summary>
[Collection("cli")]
public class CliOptionTests
{
    [Theory]
    // Case 1: numbers out of range, NaN and infinities, on every command.
    [InlineData("--batch-size must be between 1 and 1024, got 0", "predict", "--model", "{dir}/m.inspection", "--out", "{dir}/out", "--batch-size", "0", "{dir}/file.txt")]
    [InlineData("--batch-size must be between 1 and 1024, got -1", "predict", "--model", "{dir}/m.inspection", "--out", "{dir}/out", "--batch-size", "-1", "{dir}/file.txt")]
    [InlineData("--batch-size must be between 1 and 1024, got 5000", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--batch-size", "5000")]
    [InlineData("--knn-budget-mb must be between 1 and 1048576 (1 MB to 1 TB), got 0", "predict", "--model", "{dir}/m.inspection", "--out", "{dir}/out", "--knn-budget-mb", "0", "{dir}/file.txt")]
    [InlineData("--coreset-ratio must be greater than 0 and at most 1, got NaN", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--coreset-ratio", "NaN")]
    [InlineData("--coreset-ratio must be greater than 0 and at most 1, got Infinity", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--coreset-ratio", "Infinity")]
    [InlineData("--coreset-ratio must be greater than 0 and at most 1, got -Infinity", "evaluate", "--data", "{data}", "--coreset-ratio", "-Infinity")]
    [InlineData("--coreset-ratio must be greater than 0 and at most 1, got 0", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--coreset-ratio", "0")]
    [InlineData("--coreset-ratio must be greater than 0 and at most 1, got 1.5", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--coreset-ratio", "1.5")]
    [InlineData("--image-size must be between 32 and 2048, got 0", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--image-size", "0")]
    [InlineData("--image-size must be between 32 and 2048, got 4096", "evaluate", "--data", "{data}", "--image-size", "4096")]
    [InlineData("--image-size must be between 32 and 2048, got 640x4096 (each side)", "evaluate", "--data", "{data}", "--image-size", "640x4096")]
    [InlineData("--image-size: 'big' is not a size: give one side (256, square) or height x width (640x256)", "evaluate", "--data", "{data}", "--image-size", "big")]
    [InlineData("--image-size: 'auto:many' is not a pixel budget: write auto or auto:PIXELS", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--image-size", "auto:many")]
    [InlineData("--batch-size", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--batch-size", "eight")]
    [InlineData("--images must be between 1 and 100000, got 0", "bench", "--data", "{data}", "--images", "0")]
    [InlineData("--batch-sizes must be between 1 and 1024, got 0", "bench", "--data", "{data}", "--batch-sizes", "1", "0")]
    [InlineData("--bank-sizes must be between 1 and 2147483647, got -5", "bench", "--data", "{data}", "--bank-sizes", "-5")]
    [InlineData("--mapped-bank must be between 0 and 2147483647, got -1", "bench", "--data", "{data}", "--mapped-bank", "-1")]
    [InlineData("--pipeline-shards must be between 0 and 64, got -1", "bench", "--data", "{data}", "--pipeline-shards", "-1")]
    [InlineData("--sweep-seconds must be between 0 and 3600, got NaN", "bench", "--data", "{data}", "--sweep-seconds", "NaN")]
    [InlineData("--coreset-points must be 0 (skip) or at least 10", "bench", "--data", "{data}", "--coreset-points", "5")]
    [InlineData("--knn-images must be between 1 and 1024, got 0", "bench", "--data", "{data}", "--knn-images", "0")]
    [InlineData("--train must be between 1 and 10000, got 0", "synth", "--out", "{dir}/line", "--train", "0")]
    [InlineData("--train must be between 1 and 10000, got -3", "synth", "--out", "{dir}/line", "--train", "-3")]
    // Case 2: the demo's camera rate and other options.
    [InlineData("--fps must be greater than 0 and at most 1000 (frames per second), got 0", "demo", "--out", "{dir}/demo", "--fps", "0")]
    [InlineData("--fps must be greater than 0 and at most 1000 (frames per second), got -5", "demo", "--out", "{dir}/demo", "--fps", "-5")]
    [InlineData("--fps must be greater than 0 and at most 1000 (frames per second), got NaN", "demo", "--out", "{dir}/demo", "--fps", "NaN")]
    [InlineData("--fps must be greater than 0 and at most 1000 (frames per second), got Infinity", "demo", "--out", "{dir}/demo", "--fps", "Infinity")]
    [InlineData("--fps must be greater than 0 and at most 1000 (frames per second), got 1000000", "demo", "--out", "{dir}/demo", "--fps", "1e6")]
    [InlineData("--coreset-ratio must be greater than 0 and at most 1, got NaN", "demo", "--out", "{dir}/demo", "--coreset-ratio", "NaN")]
    [InlineData("--line-seed", "demo", "--out", "{dir}/demo", "--line-seed", "seven")]
    // Case 10: names that are not known, values left out or empty.
    [InlineData("--layers must list layers shallow to deep (for example layer2 layer3), got layer3 layer2", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--layers", "layer3", "layer2")]
    [InlineData("--layers lists a value twice: layer2 layer2", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--layers", "layer2", "layer2")]
    [InlineData("--layers 'layer9' is not one of layer1, layer2, layer3, layer4", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--layers", "layer9")]
    [InlineData("Required argument missing for option: '--layers'", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--layers")]
    [InlineData("Required argument missing for option: '--out'", "train", "--data", "{data}", "--out")]
    [InlineData("Option '--model' is required", "predict", "--out", "{dir}/out", "{dir}/file.txt")]
    [InlineData("--backbone 'vgg16' is not one of resnet18, wide_resnet50_2", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--backbone", "vgg16")]
    [InlineData("--precision 'fp64' is not one of fp32, bf16, fp16", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--precision", "fp64")]
    [InlineData("--knn-precision 'int8' is not one of fp32, bf16, fp16", "evaluate", "--data", "{data}", "--knn-precision", "int8")]
    [InlineData("--false-reject-rate must be greater than 0 and at most 0.5 (a share of good parts: 0.01 is 1 %), got 0.7", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--false-reject-rate", "0.7")]
    [InlineData("--false-reject-rate must be greater than 0 and at most 0.5 (a share of good parts: 0.01 is 1 %), got 0", "evaluate", "--data", "{data}", "--false-reject-rate", "0")]
    [InlineData("--backbone-weights '{dir}/none.pth' cannot be used as the weights file: it does not exist", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--backbone-weights", "{dir}/none.pth")]
    [InlineData("--backbone-weights '{dir}' cannot be used as the weights file: it is a folder, not a weights file", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--backbone-weights", "{dir}")]
    [InlineData("--backbone-weights was given an empty value", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--backbone-weights", "")]
    [InlineData("--device was given an empty value", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--device", " ")]
    [InlineData("--out '' cannot be used as the model file: the path is empty", "train", "--data", "{data}", "--out", "")]
    [InlineData("Unrecognized command or argument '--epochs'", "train", "--data", "{data}", "--out", "{dir}/m.inspection", "--epochs", "3")]
    [InlineData("Unrecognized command or argument 'frobnicate'", "frobnicate")]
    // bench-backbone takes only the options it uses: training and kNN options would change nothing there.
    [InlineData("Unrecognized command or argument '--coreset-ratio'", "bench-backbone", "--coreset-ratio", "0.5")]
    [InlineData("Unrecognized command or argument '--knn-budget-mb'", "bench-backbone", "--knn-budget-mb", "64")]
    [InlineData("--batch-sizes must be between 1 and 1024, got 0", "bench-backbone", "--batch-sizes", "0")]
    [InlineData("Required command was not provided", new string[0])]
    public void A_bad_option_value_ends_the_run_with_one_line_naming_it_and_writes_nothing(string expected, params string[] args)
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("file.txt"), "not an image");
        string data = folder.File("line");
        Directory.CreateDirectory(Path.Combine(data, "train", "good"));
        var before = Listing(folder.Path);
        string Fill(string s) => s.Replace("{dir}", folder.Path).Replace("{data}", data);

        var run = CliRun.Invoke(args.Select(Fill).ToArray());

        string line = CliAssert.OneErrorLine(run, ExitCodes.BadInput, Fill(expected));
        Assert.Contains("--help", line); // and where to read what is accepted
        Assert.Equal(before, Listing(folder.Path));
        Assert.Empty(run.Out);
    }

    private static List<string> Listing(string folder) =>
        Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
}
