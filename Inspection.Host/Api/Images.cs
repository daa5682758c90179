using Inspection.Engine.Imaging;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Inspection.Host.Api;

/// <summary>
/// The check every image sent to the API passes before any work is queued for it: not empty, not more pixels than
/// allowed (413), and decodable as the engine decodes it (422 naming why not: corrupt, truncated, a format not read).
/// </summary>
public static class Images
{
    public static ProblemHttpResult? Check(byte[] bytes, string name, ServeSettings settings)
    {
        if (bytes.Length == 0) return Problems.Unprocessable($"image '{Names.Shorten(name)}' is empty");
        if (bytes.Length > settings.MaxFrameBytes && settings.MaxFrameBytes > 0)
            return Problems.TooLarge($"image '{Names.Shorten(name)}' is {bytes.Length} bytes; the limit is {settings.MaxFrameBytes} (MaxFrameBytes)");
        // The header alone says how large the decoded image would be: a huge image is refused before it is decoded.
        if (ImageHeader.SizeOf(bytes) is var (width, height) && (long)width * height > settings.MaxPixels)
            return Problems.TooLarge($"image '{Names.Shorten(name)}' is {width}x{height} pixels; the limit is {settings.MaxPixels} pixels (MaxPixels)");
        try
        {
            using var decoded = ImageDecoder.Decode(bytes, name, settings.MaxPixels);
            return null;
        }
        catch (ImageReadException e) { return Problems.Unprocessable(e.Message); }
    }

    public static string ContentTypeOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".bmp" => "image/bmp",
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        _ => "application/octet-stream",
    };
}
