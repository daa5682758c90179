namespace Inspection.Host.Cli;

/// <summary>
/// What the load commands (loadtest, soak) send and where: a server's URL, and the images of a folder (its subfolders
/// too, in name order) with their content types. Both refuse bad input with the same one-line errors.
/// </summary>
public static class LoadFrames
{
    public static Uri Server(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var server) && server.Scheme is "http" or "https"
            ? server
            : throw new ArgumentException($"--url '{url}' is not an http(s) URL");

    /// <summary>Every PNG, JPEG and BMP image under <paramref name="folder"/>, read into memory once.</summary>
    public static IReadOnlyList<(byte[] Bytes, string Type)> Images(string folder)
    {
        if (!Directory.Exists(folder)) throw new ArgumentException($"--images '{folder}' is not a folder");
        var images = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => (File: f, Type: Path.GetExtension(f).ToLowerInvariant() switch
            {
                ".png" => "image/png", ".bmp" => "image/bmp", ".jpg" or ".jpeg" => "image/jpeg", _ => null,
            }))
            .Where(f => f.Type != null)
            .Select(f => (File.ReadAllBytes(f.File), f.Type!))
            .ToList();
        return images.Count > 0 ? images : throw new ArgumentException($"--images '{folder}' holds no PNG, JPEG or BMP images");
    }

    /// <summary>Refuses a rate that is not a positive, finite number of frames per second (null: none asked for).</summary>
    public static void CheckRate(double? rate)
    {
        if (rate is { } r && !(r > 0 && double.IsFinite(r))) throw new ArgumentException($"--rate {r} is not a positive number of frames per second");
    }
}
