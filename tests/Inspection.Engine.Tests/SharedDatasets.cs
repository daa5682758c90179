using Xunit;

namespace Inspection.Engine.Tests;

/// <summary>
/// Finds the real datasets in <c>../shared/datasets</c> (beside the repository). Tests that need them skip with a
/// message when they are absent; INSPECTION_DATASETS overrides the location.
/// </summary>
public static class SharedDatasets
{
    public static string? Root { get; } = Find();

    private static string? Find()
    {
        var explicitRoot = Environment.GetEnvironmentVariable("INSPECTION_DATASETS");
        if (!string.IsNullOrEmpty(explicitRoot)) return Directory.Exists(explicitRoot) ? explicitRoot : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "datasets"), Path.Combine(dir.FullName, "..", "shared", "datasets") })
                if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        return null;
    }

    /// <summary>The category folder, or a skip (never a silent pass) when the datasets are not on this machine.</summary>
    public static string Category(string name)
    {
        string? folder = Root == null ? null : Path.Combine(Root, name);
        Skip.If(folder == null || !Directory.Exists(folder), $"dataset '{name}' not found: expected ../shared/datasets/{name} beside the repository (or set INSPECTION_DATASETS)");
        return folder!;
    }
}
