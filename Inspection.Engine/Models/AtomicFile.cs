namespace Inspection.Engine.Models;

/// <summary>
/// Writes a file whole or not at all: into a temporary file beside it (same folder, so same file system), renamed over
/// the real name once complete. A failure deletes the temporary file and is reported as an
/// <see cref="OutputWriteException"/>, so a full disk or a vanished folder never leaves a half model or report under
/// either name. Used for model files and for the command line's reports (results.jsonl, bench.json).
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write, int bufferSize = 1 << 16)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        // Unique and hidden: two writers of one path do not share a temporary file, and listings skip it.
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        try
        {
            Directory.CreateDirectory(folder);
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize))
                write(stream);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e)
        {
            string? leftBehind = null;
            try { File.Delete(temp); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { leftBehind = temp; }
            if (e is IOException or UnauthorizedAccessException && e is not OutputWriteException)
                throw new OutputWriteException(path, Directory.Exists(full) ? "it is a folder" : e.Message, e, leftBehind);
            throw;
        }
    }

    /// <summary>Text lines, each followed by a newline (UTF-8 without a byte-order mark).</summary>
    public static void WriteLines(string path, IEnumerable<string> lines) => Write(path, stream =>
    {
        using var writer = new StreamWriter(stream);
        foreach (var line in lines) writer.WriteLine(line);
    });

    public static void WriteText(string path, string text) => Write(path, stream =>
    {
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    });
}
