using SkiaSharp;

namespace Inspection.Engine.Imaging;

/// <summary>
/// An image's size from its header alone: nothing is decoded, and in-memory bytes are read in place (a stream over
/// the array, not a native copy of it), so it is cheap enough for every frame. Null where the header is unreadable;
/// decoding then says why.
/// </summary>
public static class ImageHeader
{
    public static (int Width, int Height)? SizeOf(string path)
    {
        using var codec = SKCodec.Create(path);
        return Size(codec);
    }

    public static (int Width, int Height)? SizeOf(byte[] encoded)
    {
        using var codec = SKCodec.Create(new MemoryStream(encoded, writable: false));
        return Size(codec);
    }

    private static (int Width, int Height)? Size(SKCodec? codec) =>
        codec is { Info.Width: > 0, Info.Height: > 0 } ? (codec.Info.Width, codec.Info.Height) : null;
}
