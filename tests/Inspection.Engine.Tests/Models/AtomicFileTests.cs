using Inspection.Engine.Models;
using Xunit;

namespace Inspection.Engine.Tests.Models;

/// <summary>A write that fails leaves neither a half file nor its temporary behind, and says so.</summary>
public class AtomicFileTests
{
    [Fact]
    public void A_write_that_fails_midway_leaves_nothing_and_says_so()
    {
        using var folder = new TempFolder();
        string path = folder.File("report.json");
        var e = Assert.Throws<OutputWriteException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[1000]);
            throw new IOException("No space left on device"); // what a full disk reports
        }));
        Assert.Contains(path, e.Message);
        Assert.Contains("No space left on device", e.Message);
        Assert.Contains("nothing was left behind", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
    }

    [Fact]
    public void A_model_written_where_a_folder_stands_is_refused_and_leaves_no_partial_file()
    {
        using var folder = new TempFolder();
        string path = folder.File("m.inspection");
        Directory.CreateDirectory(Path.Combine(path, "inside")); // a non-empty folder cannot be replaced by the rename
        var e = Assert.Throws<OutputWriteException>(() => ModelFile.Write(path, ModelFileTests.Metadata(), new float[6], 2, 3));
        Assert.Contains("it is a folder", e.Message);
        Assert.Equal([path], Directory.GetFileSystemEntries(folder.Path));
        Assert.Equal([Path.Combine(path, "inside")], Directory.GetFileSystemEntries(path));
    }

    [Fact]
    public void An_existing_file_is_replaced_whole()
    {
        using var folder = new TempFolder();
        string path = folder.File("results.jsonl");
        File.WriteAllText(path, "old\nlines\nthat are longer\n");
        AtomicFile.WriteLines(path, ["a", "b"]);
        Assert.Equal(["a", "b"], File.ReadAllLines(path));
        Assert.Single(Directory.GetFileSystemEntries(folder.Path));
    }

    [Fact]
    public void Output_locations_are_judged_before_writing()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("file"), "x");
        Assert.Null(OutputLocation.FileProblem(folder.File("new/deeper/m.inspection")));
        Assert.Null(OutputLocation.FolderProblem(folder.File("new/deeper")));
        Assert.Contains("is a folder", OutputLocation.FileProblem(folder.Path));
        Assert.Contains("is a file, not a folder", OutputLocation.FolderProblem(folder.File("file")));
        Assert.Contains("is a file, so no folder can be made inside it", OutputLocation.FolderProblem(folder.File("file/sub")));
        Assert.Contains("does not accept new files", OutputLocation.FolderProblem("/proc/sub"));
        Assert.Equal(["file"], Directory.GetFileSystemEntries(folder.Path).Select(Path.GetFileName)); // probes are gone, nothing made
    }
}
