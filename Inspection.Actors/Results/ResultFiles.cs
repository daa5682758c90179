namespace Inspection.Actors.Results;

/// <summary>
/// Where a result's images lie, beside each other under the heatmap folder: folder/line/id-image.ext (the frame as it
/// came, for review and for adding it to the model), id-map.bin (its anomaly map), id-overlay.png (the frame under its
/// map) and id-heatmap.png (the map alone); the last two may be drawn only when first asked for (<see cref="ResultImages"/>).
/// </summary>
public static class ResultFiles
{
    public static string Overlay(string folder, string line, string resultId) => Path.Combine(LineFolder(folder, line), resultId + "-overlay.png");

    public static string Heatmap(string folder, string line, string resultId) => Path.Combine(LineFolder(folder, line), resultId + "-heatmap.png");

    public static string Image(string folder, string line, string resultId, string extension) =>
        Path.Combine(LineFolder(folder, line), resultId + "-image" + extension);

    /// <summary>The heatmap beside an overlay (the path stored with a result).</summary>
    public static string HeatmapBeside(string overlayPath) => overlayPath[..^"-overlay.png".Length] + "-heatmap.png";

    /// <summary>The mask of pixels over the threshold beside an overlay.</summary>
    public static string MaskBeside(string overlayPath) => overlayPath[..^"-overlay.png".Length] + "-mask.png";

    /// <summary>The anomaly map beside an overlay.</summary>
    public static string MapBeside(string overlayPath) => overlayPath[..^"-overlay.png".Length] + "-map.bin";

    /// <summary>The original frame beside an overlay, when it was kept; null otherwise.</summary>
    public static string? ImageBeside(string overlayPath)
    {
        string stem = Path.GetFileName(overlayPath)[..^"-overlay.png".Length] + "-image";
        string? folder = Path.GetDirectoryName(overlayPath);
        if (folder == null || !Directory.Exists(folder)) return null;
        return Directory.EnumerateFiles(folder, stem + ".*").FirstOrDefault();
    }

    /// <summary>Every file of the result whose overlay is <paramref name="overlayPath"/> that is there now (drawn or not).</summary>
    public static IReadOnlyList<FileInfo> Of(string overlayPath)
    {
        string stem = Path.GetFileName(overlayPath)[..^"-overlay.png".Length] + "-";
        string? folder = Path.GetDirectoryName(overlayPath);
        if (folder == null || !Directory.Exists(folder)) return [];
        return new DirectoryInfo(folder).EnumerateFiles(stem + "*").ToList();
    }

    /// <summary>Bytes the result's files take now.</summary>
    public static long SizeOf(string overlayPath) => Of(overlayPath).Sum(f => f.Length);

    /// <summary>Deletes the result's files; returns the bytes freed.</summary>
    public static long Delete(string overlayPath)
    {
        long freed = 0;
        foreach (var file in Of(overlayPath))
        {
            long length = file.Length;
            try { file.Delete(); freed += length; }
            catch (FileNotFoundException) { }
        }
        return freed;
    }

    /// <summary>Deletes the files of a line's folder last written before <paramref name="before"/>; returns the files and bytes freed.</summary>
    public static (int Files, long Bytes) DeleteOlder(string folder, string line, DateTime before)
    {
        var lineFolder = new DirectoryInfo(LineFolder(folder, line));
        if (!lineFolder.Exists) return (0, 0);
        int files = 0;
        long bytes = 0;
        foreach (var file in lineFolder.EnumerateFiles())
        {
            if (file.LastWriteTimeUtc >= before) continue;
            long length = file.Length;
            try { file.Delete(); files++; bytes += length; }
            catch (FileNotFoundException) { }
        }
        return (files, bytes);
    }

    /// <summary>
    /// Whether <paramref name="path"/> lies inside <paramref name="folder"/> (after "..", "." and the like are resolved):
    /// a node serves result images from its own results folder only, whatever path a request or a stored result names.
    /// </summary>
    public static bool Within(string? folder, string path)
    {
        if (folder is null) return false;
        try
        {
            string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
            return Path.GetFullPath(path).StartsWith(root, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is ArgumentException or PathTooLongException or NotSupportedException)
        {
            return false;
        }
    }

    // A line name may hold characters a file name cannot: it is escaped as in a URL.
    private static string LineFolder(string folder, string line) => Path.Combine(folder, Uri.EscapeDataString(line));
}
