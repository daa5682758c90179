namespace Inspection.Engine;

/// <summary>Where the engine keeps derived files (converted weights, patched native libraries).</summary>
public static class InspectionPaths
{
    /// <summary>Environment variable that moves the cache folder.</summary>
    public const string CacheVariable = "INSPECTION_CACHE";

    /// <summary>INSPECTION_CACHE, else $XDG_CACHE_HOME/inspection, else ~/.cache/inspection.</summary>
    public static string CacheFolder
    {
        get
        {
            var explicitFolder = Environment.GetEnvironmentVariable(CacheVariable);
            if (!string.IsNullOrWhiteSpace(explicitFolder)) return explicitFolder;
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = !string.IsNullOrWhiteSpace(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "inspection");
        }
    }
}
