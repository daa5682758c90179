using Inspection.Engine.Data;
using Inspection.Engine.Imaging;

namespace Inspection.Host.Cli;

/// <summary>
/// The files predict scores. Files given by name are scored whatever they hold (a bad one gets its error line). A
/// folder is searched with its subfolders, like anomalib's predict: every file of a format that is read, and every
/// file of a known image format that is not (TIFF, HEIF, ...), so that each of those gets an error line naming its
/// format instead of vanishing; other files (notes, CSVs) are skipped with one warning that counts them. Hidden files
/// and folders are skipped, and so is the output folder when it lies inside an input folder (a rerun would otherwise
/// score the last run's heatmaps).
/// </summary>
public static class PredictInputs
{
    public static List<string> Expand(IEnumerable<string> inputs, string? exclude, Action<string> warn)
    {
        string? excluded = exclude == null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(exclude)) + Path.DirectorySeparatorChar;
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (string.IsNullOrWhiteSpace(input)) throw new ArgumentException("An input path is empty.");
            if (File.Exists(input))
            {
                files.Add(input);
                continue;
            }
            if (!Directory.Exists(input)) throw new FileNotFoundException($"Input '{input}' does not exist.", input);
            // The output folder is left out only below the input: written into the input folder itself, it was listed before.
            string? skip = excluded != null && excluded != Path.TrimEndingDirectorySeparator(Path.GetFullPath(input)) + Path.DirectorySeparatorChar ? excluded : null;
            var found = Directory.EnumerateFiles(input, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false })
                .Where(f => skip == null || !Path.GetFullPath(f).StartsWith(skip, StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .ToList();
            var images = found.Where(IsImage).ToList();
            var others = found.Except(images).ToList();
            if (images.Count == 0)
                throw new DatasetException($"Folder '{input}' holds no images, in it or its subfolders ({string.Join(", ", ImageDecoder.Extensions)}).");
            if (others.Count > 0)
                warn($"warning: skipped {others.Count} file(s) in '{input}' that are not images " +
                     $"({string.Join(", ", others.Take(3).Select(f => Path.GetRelativePath(input, f)))}{(others.Count > 3 ? ", ..." : "")})");
            files.AddRange(images);
        }
        return files;
    }

    private static bool IsImage(string file)
    {
        string extension = Path.GetExtension(file).ToLowerInvariant();
        return ImageDecoder.Extensions.Contains(extension) || ImageDecoder.UnsupportedExtensions.ContainsKey(extension);
    }
}
