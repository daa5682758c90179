using System.Buffers.Binary;

namespace Inspection.Engine.Imaging;

/// <summary>
/// Whether an image file's bytes are all there: a file a camera is still writing ends before its format's end marker.
/// Formats that mark their end (PNG, JPEG, GIF) or state their length (BMP, WebP) are checked by those bytes; a file
/// that lacks them is decoded, so a complete image with trailing bytes (some cameras append data) still counts as
/// complete. A file of another or unknown format is not judged here: decoding it reports what is wrong.
/// </summary>
public static class ImageCompleteness
{
    private static readonly byte[][] Signatures = [[0x89, (byte)'P', (byte)'N', (byte)'G'], [0xFF, 0xD8], "GIF8"u8.ToArray(), "BM"u8.ToArray(), "RIFF"u8.ToArray()];

    public static bool IsTruncated(byte[] b)
    {
        if (b.Length == 0) return true;
        bool? ends = EndsAsItsFormatEnds(b);
        if (ends != false) return false;
        try
        {
            using var bitmap = ImageDecoder.Decode(b, "image");
            return false;
        }
        catch (ImageReadException)
        {
            // A known format without its end that does not decode: the rest is still to come.
            return true;
        }
    }

    /// <summary>True or false for a format whose end can be seen in its bytes; null for any other.</summary>
    private static bool? EndsAsItsFormatEnds(byte[] b)
    {
        ReadOnlySpan<byte> s = b;
        switch (ImageSignature.ExtensionOf(s))
        {
            case ".png": return s.EndsWith((ReadOnlySpan<byte>)[(byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82]);
            case ".jpg": return s.EndsWith((ReadOnlySpan<byte>)[0xFF, 0xD9]);
            case ".gif": return s[^1] == 0x3B;
            case ".bmp": return s.Length >= 6 && s.Length >= BinaryPrimitives.ReadUInt32LittleEndian(s[2..6]);
            case ".webp": return s.Length >= 8 + (long)BinaryPrimitives.ReadUInt32LittleEndian(s[4..8]);
        }
        // Too short to hold a whole signature, and the start of one: its first bytes are still being written.
        foreach (var magic in Signatures)
            if (s.Length < magic.Length && magic.AsSpan().StartsWith(s)) return false;
        if (s.Length < 12 && s.StartsWith("RIFF"u8)) return false;
        return null;
    }
}
