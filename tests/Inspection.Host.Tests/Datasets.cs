using Xunit;

namespace Inspection.Host.Tests;

/// <summary>The real datasets in ../shared/datasets (or INSPECTION_DATASETS); a test without them is skipped with a message.</summary>
public static class Datasets
{
    public static string Find(string name)
    {
        string? root = Environment.GetEnvironmentVariable("INSPECTION_DATASETS");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); root == null && dir != null; dir = dir.Parent)
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "datasets"), Path.Combine(dir.FullName, "..", "shared", "datasets") })
                if (Directory.Exists(candidate)) { root = candidate; break; }
        string? folder = root == null ? null : Path.Combine(root, name);
        Skip.If(folder == null || !Directory.Exists(folder), $"dataset '{name}' not found: expected ../shared/datasets/{name} beside the repository (or set INSPECTION_DATASETS)");
        return Path.GetFullPath(folder!);
    }
}
