using Inspection.Host.Cli;
using Xunit;

namespace Inspection.Host.Tests;

/// <summary>
/// Every output path is checked before any work (a directory where a file is expected, a file where a folder is, a
/// place that takes no new files), so no command trains for minutes and then fails to write.
/// </summary>
[Collection("cli")]
public class CliOutputTests
{
    [Theory]
    [InlineData("--out '{dir}' cannot be used as the model file: it is a folder; give the path of a file", "train", "--data", "{data}", "--out", "{dir}")]
    [InlineData("--out '/proc/m.inspection' cannot be used as the model file: '/proc' does not accept new files", "train", "--data", "{data}", "--out", "/proc/m.inspection")]
    [InlineData("--out '{dir}/file.txt/m.inspection' cannot be used as the model file: '{dir}/file.txt' is a file, so no folder can be made inside it", "train", "--data", "{data}", "--out", "{dir}/file.txt/m.inspection")]
    [InlineData("--out '{dir}/file.txt' cannot be used as the folder: it is a file, not a folder", "predict", "--model", "{dir}/m.inspection", "--out", "{dir}/file.txt", "{dir}/file.txt")]
    [InlineData("--out '/proc/report' cannot be used as the folder: '/proc' does not accept new files", "evaluate", "--data", "{data}", "--out", "/proc/report")]
    [InlineData("--out '{dir}/file.txt' cannot be used as the folder: it is a file, not a folder", "demo", "--out", "{dir}/file.txt")]
    [InlineData("--out '{dir}/file.txt' cannot be used as the folder: it is a file, not a folder", "bench", "--data", "{data}", "--out", "{dir}/file.txt")]
    [InlineData("--out '/proc/line' cannot be used as the folder: '/proc' does not accept new files", "synth", "--out", "/proc/line")]
    [InlineData("--heatmaps '{dir}/file.txt' cannot be used as the folder: it is a file, not a folder", "node", "--heatmaps", "{dir}/file.txt", "--for", "1")]
    public void An_output_that_cannot_be_written_is_refused_before_any_work(string expected, params string[] args)
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("file.txt"), "a file");
        string data = folder.File("line");
        Directory.CreateDirectory(Path.Combine(data, "train", "good"));
        var before = Directory.GetFileSystemEntries(folder.Path, "*", SearchOption.AllDirectories).Order().ToList();
        string Fill(string s) => s.Replace("{dir}", folder.Path).Replace("{data}", data);

        var run = CliRun.Invoke(args.Select(Fill).ToArray());

        CliAssert.OneErrorLine(run, ExitCodes.BadInput, Fill(expected));
        Assert.Equal(before, Directory.GetFileSystemEntries(folder.Path, "*", SearchOption.AllDirectories).Order().ToList());
    }

    [Fact]
    public void The_write_probe_leaves_nothing_in_the_output_folder()
    {
        using var folder = new TempFolder();
        // An empty train/good fails after the options are checked: the probe of --out has run and must be gone.
        Directory.CreateDirectory(folder.File("line", "train", "good"));
        Directory.CreateDirectory(folder.File("models"));
        var run = CliRun.Invoke("train", "--data", folder.File("line"), "--out", folder.File("models", "m.inspection"));
        CliAssert.OneErrorLine(run, ExitCodes.BadInput, "holds no images");
        Assert.Empty(Directory.GetFileSystemEntries(folder.File("models")));
    }
}
