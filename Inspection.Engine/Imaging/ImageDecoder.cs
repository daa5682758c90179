using SkiaSharp;

namespace Inspection.Engine.Imaging;

/// <summary>
/// Decodes PNG, JPEG, BMP (and the other formats Skia reads) into 8-bit RGBA, whatever the stored layout: grayscale,
/// palette, 16-bit and alpha images all come out as RGBA8888. Very large images are decoded at a reduced scale where
/// the codec supports it (JPEG), and otherwise refused with a clear message rather than exhausting memory.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Largest image decoded at full size: 100 megapixels (400 MB of RGBA).</summary>
    public const long DefaultMaxPixels = 100_000_000;

    public static SKBitmap Decode(string path, long maxPixels = DefaultMaxPixels)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageReadException(path, e.Message, e);
        }
        return Decode(bytes, path, maxPixels);
    }

    public static SKBitmap Decode(byte[] bytes, string name, long maxPixels = DefaultMaxPixels)
    {
        if (bytes.Length == 0) throw new ImageReadException(name, "the file is empty");
        using var data = SKData.CreateCopy(bytes);
        using var stream = new SKMemoryStream(data);
        using var codec = SKCodec.Create(stream, out var createResult);
        if (codec == null)
            throw new ImageReadException(name, $"not a supported image format ({createResult})");
        var size = codec.Info.Size;
        if (size.Width <= 0 || size.Height <= 0) throw new ImageReadException(name, "the image has no pixels");
        if ((long)size.Width * size.Height > maxPixels)
        {
            float scale = (float)Math.Sqrt((double)maxPixels / ((long)size.Width * size.Height));
            var scaled = codec.GetScaledDimensions(scale);
            if ((long)scaled.Width * scaled.Height > maxPixels)
                throw new ImageReadException(name,
                    $"it is {size.Width}x{size.Height} ({(long)size.Width * size.Height / 1e6:F0} megapixels), above the limit of {maxPixels / 1e6:F0} megapixels, and its format cannot be decoded at a smaller scale");
            size = scaled;
        }
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        // IncompleteInput means a truncated file: refuse it rather than score half an image of grey.
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            string reason = result == SKCodecResult.IncompleteInput
                ? "the file is truncated (incomplete image data)"
                : $"decoding failed ({result})";
            throw new ImageReadException(name, reason);
        }
        return bitmap;
    }
}
