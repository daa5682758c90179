using System.Runtime.InteropServices;
using SkiaSharp;

namespace Inspection.Engine.Imaging;

/// <summary>
/// Turns PatchCore anomaly maps into pictures an operator can read at a glance: a jet colour scale (blue = normal,
/// red = anomalous) laid half-transparently over the inspected image, so the hot region is seen on the part itself.
/// Callers pass the score range explicitly so that the same colour means the same score across images.
/// </summary>
public static class HeatmapRenderer
{
    /// <summary>Weight of the heatmap in the overlay; half keeps both the defect and the colour legible.</summary>
    public const float OverlayOpacity = 0.5f;

    private static readonly SKSamplingOptions Bilinear = new(SKFilterMode.Linear, SKMipmapMode.None);

    /// <summary>
    /// Colours <paramref name="map"/> (row-major, <paramref name="width"/> x <paramref name="height"/>) with scores
    /// at or below <paramref name="low"/> dark blue and at or above <paramref name="high"/> dark red. A range that is
    /// empty or inverted colours everything above <paramref name="low"/> red rather than failing, since a perfectly
    /// flat map is a legitimate input. NaN scores are shown as the lowest colour.
    /// </summary>
    public static SKBitmap Colorize(ReadOnlySpan<float> map, int width, int height, float low, float high)
    {
        ValidateMap(map, width, height);
        float range = high - low;
        var rgba = new byte[width * height * 4];
        for (int i = 0; i < map.Length; i++)
        {
            float value = map[i];
            float t = float.IsNaN(value) ? 0f
                : range > 0 && float.IsFinite(range) ? Math.Clamp((value - low) / range, 0f, 1f)
                : value > low ? 1f : 0f;
            var (r, g, b) = Jet(t);
            int p = i * 4;
            rgba[p] = r;
            rgba[p + 1] = g;
            rgba[p + 2] = b;
            rgba[p + 3] = 255;
        }
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }

    /// <summary>Writes the overlay of <see cref="EncodeOverlayPng"/> to <paramref name="pngPath"/>, creating its folder.</summary>
    public static void WriteOverlay(SKBitmap original, ReadOnlySpan<float> map, int mapWidth, int mapHeight,
        float low, float high, string pngPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pngPath);
        byte[] png = EncodeOverlayPng(original, map, mapWidth, mapHeight, low, high);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(pngPath));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        File.WriteAllBytes(pngPath, png);
    }

    /// <summary>
    /// The overlay as PNG bytes, for callers that stream or store results without touching the file system. The map
    /// is usually much smaller than the image (one score per feature patch), so the coloured map is upsampled
    /// bilinearly to the image size to avoid blocky patches. The result is opaque whatever the original's alpha.
    /// </summary>
    public static byte[] EncodeOverlayPng(SKBitmap original, ReadOnlySpan<float> map, int mapWidth, int mapHeight,
        float low, float high)
    {
        ArgumentNullException.ThrowIfNull(original);
        if (original.Width <= 0 || original.Height <= 0)
            throw new ArgumentException("The original image has no pixels.", nameof(original));
        int width = original.Width, height = original.Height;
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);

        using var heat = Colorize(map, mapWidth, mapHeight, low, high);
        using var heatResized = heat.Width == width && heat.Height == height ? heat.Copy() : heat.Resize(info, Bilinear)
            ?? throw new InvalidOperationException("Resizing the heatmap failed.");
        using var background = original.ColorType == SKColorType.Rgba8888 ? original.Copy() : original.Copy(SKColorType.Rgba8888)
            ?? throw new InvalidOperationException($"The original image ({original.ColorType}) cannot be converted to RGBA.");

        var heatPixels = heatResized.GetPixelSpan();
        var basePixels = background.GetPixelSpan();
        int heatStride = heatResized.RowBytes, baseStride = background.RowBytes;
        var blended = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int h = y * heatStride + x * 4, o = y * baseStride + x * 4, p = (y * width + x) * 4;
                for (int c = 0; c < 3; c++)
                    blended[p + c] = (byte)Math.Clamp(
                        (int)MathF.Round(basePixels[o + c] * (1 - OverlayOpacity) + heatPixels[h + c] * OverlayOpacity), 0, 255);
                blended[p + 3] = 255;
            }

        using var overlay = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        Marshal.Copy(blended, 0, overlay.GetPixels(), blended.Length);
        using var data = overlay.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("PNG encoding of the overlay failed.");
        return data.ToArray();
    }

    /// <summary>The classic MATLAB jet ramp: dark blue, blue, cyan, yellow, red, dark red.</summary>
    private static (byte R, byte G, byte B) Jet(float t)
    {
        static byte Channel(float v) => (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f);
        return (Channel(1.5f - MathF.Abs(4f * t - 3f)), Channel(1.5f - MathF.Abs(4f * t - 2f)), Channel(1.5f - MathF.Abs(4f * t - 1f)));
    }

    private static void ValidateMap(ReadOnlySpan<float> map, int width, int height)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"The map size must be positive, not {width}x{height}.");
        if (map.Length != (long)width * height)
            throw new ArgumentException($"The map has {map.Length} values but {width}x{height} = {(long)width * height} were expected.", nameof(map));
    }
}
