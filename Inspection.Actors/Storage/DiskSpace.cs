namespace Inspection.Actors.Storage;

/// <summary>The volume a folder lies on, as the operating system reports it now.</summary>
public sealed record DiskSpace(string Folder, string Volume, long TotalBytes, long FreeBytes)
{
    /// <summary>Used share of the volume, 0 to 1 (free space counted as a user, not root, sees it).</summary>
    public double Used => TotalBytes <= 0 ? 0 : 1 - (double)FreeBytes / TotalBytes;

    /// <summary>
    /// The volume of <paramref name="folder"/> (the mount point with the longest path that holds it; the folder need
    /// not exist yet), or null when none can be read.
    /// </summary>
    public static DiskSpace? Of(string folder)
    {
        string path = Path.GetFullPath(folder);
        DriveInfo? best = null;
        foreach (var drive in DriveInfo.GetDrives())
        {
            string root = drive.RootDirectory.FullName;
            bool holds = path == root.TrimEnd(Path.DirectorySeparatorChar) || path.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
            if (holds && (best == null || root.Length > best.RootDirectory.FullName.Length)) best = drive;
        }
        if (best == null) return null;
        try { return best.IsReady ? new DiskSpace(folder, best.RootDirectory.FullName, best.TotalSize, best.AvailableFreeSpace) : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
