namespace Inspection.Engine.Imaging;

/// <summary>
/// A decoded image resized to the model input: float RGB 0..255 pixels (CHW, <see cref="Size"/> height x width) plus
/// the original size for the heatmap overlay.
/// </summary>
public sealed record PreparedImage(string Name, int OriginalWidth, int OriginalHeight, float[] Pixels, Extent Size)
{
    /// <summary>Decodes and resizes one file; throws <see cref="ImageReadException"/> for unusable files.</summary>
    public static PreparedImage FromFile(string path, Extent size)
    {
        using var bitmap = ImageDecoder.Decode(path);
        return new PreparedImage(path, bitmap.Width, bitmap.Height, ImageTensorConverter.ResizeToPixels(bitmap, size.Width, size.Height), size);
    }

    /// <summary>Decodes and resizes an in-memory encoded image (PNG, JPEG, BMP).</summary>
    public static PreparedImage FromBytes(byte[] encoded, string name, Extent size)
    {
        using var bitmap = ImageDecoder.Decode(encoded, name);
        return new PreparedImage(name, bitmap.Width, bitmap.Height, ImageTensorConverter.ResizeToPixels(bitmap, size.Width, size.Height), size);
    }

    /// <summary>Decodes files in parallel, keeping their order.</summary>
    public static PreparedImage[] FromFiles(IReadOnlyList<string> paths, Extent size)
    {
        var result = new PreparedImage[paths.Count];
        Parallel.For(0, paths.Count, i => result[i] = FromFile(paths[i], size));
        return result;
    }
}
