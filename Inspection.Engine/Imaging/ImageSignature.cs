namespace Inspection.Engine.Imaging;

/// <summary>The file extension an image's first bytes show, for storing a frame that came without a usable name.</summary>
public static class ImageSignature
{
    /// <summary>".png", ".jpg", ".bmp", ".gif" or ".webp" by the bytes; null for anything else.</summary>
    public static string? ExtensionOf(ReadOnlySpan<byte> b) =>
        b.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']) ? ".png"
        : b.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8]) ? ".jpg"
        : b.StartsWith("BM"u8) ? ".bmp"
        : b.StartsWith("GIF8"u8) ? ".gif"
        : b.Length >= 12 && b.StartsWith("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8) ? ".webp"
        : null;

    /// <summary>The bytes' extension, else the name's when it is one decoded, else ".img".</summary>
    public static string ExtensionOf(ReadOnlySpan<byte> bytes, string name)
    {
        if (ExtensionOf(bytes) is { } sniffed) return sniffed;
        string extension = Path.GetExtension(name).ToLowerInvariant();
        return ImageDecoder.Extensions.Contains(extension) ? extension : ".img";
    }
}
