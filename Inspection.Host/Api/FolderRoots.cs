namespace Inspection.Host.Api;

/// <summary>
/// The server folders training may read. A folder is allowed only if its real path (every symbolic link on the way
/// resolved) lies under the real path of a configured root, so neither "..", nor a link inside a root pointing out of
/// it, reaches other folders.
/// </summary>
public sealed class FolderRoots(IEnumerable<string> roots)
{
    private readonly List<string> _roots = roots.Select(r => RealPath(r) ?? Path.GetFullPath(r)).ToList();

    public bool Any => _roots.Count > 0;

    /// <summary>The folder's real path if it is under a root; otherwise why not (as the second value).</summary>
    public (string? Path, string? Problem) Resolve(string folder)
    {
        if (_roots.Count == 0) return (null, "this server has no folder roots: start it with --folder-root DIR to allow training from server folders");
        if (!System.IO.Path.IsPathRooted(folder)) return (null, $"folder '{Names.Shorten(folder)}' is not an absolute path");
        string? real = RealPath(folder);
        if (real == null) return (null, $"folder '{Names.Shorten(folder)}' does not exist");
        foreach (var root in _roots)
            if (real == root || real.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal)) return (real, null);
        return (null, $"folder '{Names.Shorten(folder)}' is not under a configured folder root");
    }

    /// <summary>The path with every symbolic link resolved, or null if some part of it does not exist.</summary>
    public static string? RealPath(string path)
    {
        var pending = new Queue<string>(Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        string current = "/";
        for (int hops = 0; pending.Count > 0;)
        {
            string part = pending.Dequeue();
            if (part == ".") continue;
            if (part == "..") { current = Path.GetDirectoryName(current) ?? "/"; continue; }
            string next = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (!info.Exists) return null;
            if (info.LinkTarget is { } target)
            {
                if (++hops > 40) return null; // a loop of links
                string resolved = Path.IsPathRooted(target) ? target : Path.Combine(current, target);
                foreach (var rest in pending.ToList()) resolved = resolved + "/" + rest;
                pending = new Queue<string>(Path.GetFullPath(resolved).Split('/', StringSplitOptions.RemoveEmptyEntries));
                current = "/";
                continue;
            }
            current = next;
        }
        return current;
    }
}
