namespace Inspection.Engine.Models;

/// <summary>
/// Checks, before any work, that an output can be written where it was asked for: that a file path is not a folder, a
/// folder path is not a file, and that the nearest existing folder accepts a new file (a probe file created and
/// deleted there). Permissions alone do not tell: root ignores them, while read-only mounts and /proc refuse root too.
/// </summary>
public static class OutputLocation
{
    /// <summary>Why no file can be written at <paramref name="path"/>, or null when one can (missing folders are created on writing).</summary>
    public static string? FileProblem(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) return "the path is empty";
        if (Directory.Exists(path)) return "it is a folder; give the path of a file";
        if (Path.EndsInDirectorySeparator(path)) return "it ends in a path separator; give the path of a file";
        return WritableAncestorProblem(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Why <paramref name="path"/> cannot be (or be made) a folder that takes new files, or null when it can.</summary>
    public static string? FolderProblem(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) return "the path is empty";
        string full = Path.GetFullPath(path);
        return File.Exists(full) ? "it is a file, not a folder" : WritableAncestorProblem(full);
    }

    /// <summary>The nearest existing folder at or above <paramref name="full"/> must take new files; a file on the way cannot hold folders.</summary>
    private static string? WritableAncestorProblem(string full)
    {
        string existing = full;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing)) return $"'{existing}' is a file, so no folder can be made inside it";
            existing = Path.GetDirectoryName(existing)!;
        }
        string probe = Path.Combine(existing, $".inspection-write-probe-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The system's own words, unless they are about the probe's made-up name (/proc says "could not find" it).
            string why = e is UnauthorizedAccessException ? " (permission denied)" : e.Message.Contains(probe) ? "" : $" ({e.Message.TrimEnd('.')})";
            return $"'{existing}' does not accept new files{why}";
        }
    }
}
