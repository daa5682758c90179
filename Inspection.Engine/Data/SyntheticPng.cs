using System.Runtime.InteropServices;
using SkiaSharp;

namespace Inspection.Engine.Data;

/// <summary>Writes the synthetic lines' images (RGBA) and masks (one channel, as MVTec ground truth is stored).</summary>
internal static class SyntheticPng
{
    /// <summary>
    /// Fast PNG settings: the noisy texture barely compresses better at higher zlib levels, and the default settings
    /// were most of the generation time.
    /// </summary>
    private static readonly SKPngEncoderOptions FastPng = new(SKPngEncoderFilterFlags.Sub, 1);

    public static void WriteRgba(byte[] rgba, int width, int height, string path) =>
        Write(rgba, new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque), path);

    public static void WriteMask(byte[] mask, int width, int height, string path) =>
        Write(mask, new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque), path);

    /// <summary>The folder split/category under root, emptied of PNGs an earlier, larger generation left there.</summary>
    public static string PrepareFolder(string root, string split, string category)
    {
        string path = Path.Combine(root, split, category);
        Directory.CreateDirectory(path);
        foreach (string stale in Directory.EnumerateFiles(path, "*.png")) File.Delete(stale);
        return path;
    }

    private static void Write(byte[] pixels, SKImageInfo info, string path)
    {
        using var bitmap = new SKBitmap(info);
        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(FastPng)
            ?? throw new InvalidOperationException($"PNG encoding failed for '{path}'.");
        using var file = File.Create(path);
        data.SaveTo(file);
    }
}
