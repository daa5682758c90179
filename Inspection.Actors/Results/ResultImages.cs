using Inspection.Actors.Messages;
using Inspection.Actors.Scoring;
using Inspection.Engine.Imaging;
using SkiaSharp;

namespace Inspection.Actors.Results;

/// <summary>
/// A scored frame's images. What every result keeps is cheap to write: the frame as it came and its anomaly map,
/// normalised by the model's calibration, in half precision. The overlay and the coloured heatmap are drawn from those
/// two, either at once (a CLI node, whose users open the folder) or when first asked for (the HTTP API: drawing and
/// PNG-encoding them for every frame took about as much of the node's CPU as scoring; docs/benchmark-history.md).
/// </summary>
public static class ResultImages
{
    private static ReadOnlySpan<byte> Magic => "IMAP"u8;

    /// <summary>
    /// Writes the frame and its map (and, with <paramref name="draw"/>, the overlay and heatmap); returns the overlay's
    /// path and the bytes written.
    /// </summary>
    public static (string Overlay, long Bytes) Keep(string folder, string line, string id, CapturedFrame captured, FeatureBlock map, ModelDeployment deployment, bool draw)
    {
        var calibration = deployment.Calibration();
        // Drawn from the half-precision values kept, so an image drawn now and one drawn on request are the same.
        var kept = FeatureBlock.FromFloats(map.ToFloats().Select(calibration.NormalisePixel).ToArray(), map.Rows, map.Columns, FeaturePrecision.Float16);
        var values = kept.ToFloats();
        string overlay = ResultFiles.Overlay(folder, line, id);
        Directory.CreateDirectory(Path.GetDirectoryName(overlay)!);
        string image = ResultFiles.Image(folder, line, id, ImageSignature.ExtensionOf(captured.Encoded, captured.Source));
        File.WriteAllBytes(image, captured.Encoded);
        string mapFile = ResultFiles.MapBeside(overlay);
        using (var file = File.Create(mapFile))
        using (var writer = new BinaryWriter(file))
        {
            writer.Write(Magic);
            writer.Write(map.Rows);
            writer.Write(map.Columns);
            writer.Write(kept.Data);
        }
        if (draw)
        {
            using var original = ImageDecoder.Decode(captured.Encoded, captured.Source);
            DrawOverlay(original, values, map.Columns, map.Rows, overlay);
            DrawHeatmap(values, map.Columns, map.Rows, ResultFiles.HeatmapBeside(overlay));
        }
        return (overlay, ResultFiles.SizeOf(overlay));
    }

    /// <summary>
    /// One of a result's images, by its overlay's path, drawn now if it was not yet, as an answer: Held false when
    /// neither the frame nor the map is at that path (another node keeps them), else the bytes or why there are none.
    /// </summary>
    public static ResultImageAnswer Read(string overlayPath, ResultImageKind kind)
    {
        if (!File.Exists(ResultFiles.MapBeside(overlayPath)) && ResultFiles.ImageBeside(overlayPath) == null)
            return new ResultImageAnswer(overlayPath, kind, false, null, null, "not kept on this node");
        try
        {
            string? file = kind switch
            {
                ResultImageKind.Image => ResultFiles.ImageBeside(overlayPath),
                ResultImageKind.Overlay => Overlay(overlayPath),
                ResultImageKind.Heatmap => Heatmap(overlayPath),
                _ => Mask(overlayPath),
            };
            return file != null && File.Exists(file)
                ? new ResultImageAnswer(overlayPath, kind, true, File.ReadAllBytes(file), Path.GetFileName(file), null)
                : new ResultImageAnswer(overlayPath, kind, true, null, null, "it was not kept");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ImageReadException)
        {
            return new ResultImageAnswer(overlayPath, kind, true, null, null, $"it cannot be drawn from what was kept: {e.Message}");
        }
    }

    /// <summary>The overlay's file, drawn now if it was not yet; null when the frame or map it needs is not there.</summary>
    public static string? Overlay(string overlayPath)
    {
        if (File.Exists(overlayPath)) return overlayPath;
        if (ResultFiles.ImageBeside(overlayPath) is not { } image || ReadMap(ResultFiles.MapBeside(overlayPath)) is not { } map) return null;
        using var original = ImageDecoder.Decode(image);
        DrawOverlay(original, map.Values, map.Columns, map.Rows, overlayPath);
        return overlayPath;
    }

    /// <summary>The heatmap's file, drawn now if it was not yet; null when the map is not there.</summary>
    public static string? Heatmap(string overlayPath)
    {
        string heatmap = ResultFiles.HeatmapBeside(overlayPath);
        if (File.Exists(heatmap)) return heatmap;
        if (ReadMap(ResultFiles.MapBeside(overlayPath)) is not { } map) return null;
        DrawHeatmap(map.Values, map.Columns, map.Rows, heatmap);
        return heatmap;
    }

    /// <summary>
    /// The mask of the map's pixels over the model's pixel threshold (white; the rest black), drawn now if it was not
    /// yet; null when the map is not there. The kept map is normalised so that the threshold is 0.5.
    /// </summary>
    public static string? Mask(string overlayPath)
    {
        string mask = ResultFiles.MaskBeside(overlayPath);
        if (File.Exists(mask)) return mask;
        if (ReadMap(ResultFiles.MapBeside(overlayPath)) is not { } map) return null;
        using var bitmap = new SKBitmap(new SKImageInfo(map.Columns, map.Rows, SKColorType.Gray8, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        for (int i = 0; i < map.Values.Length; i++) pixels[i] = map.Values[i] > 0.5f ? (byte)255 : (byte)0;
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        WriteWhole(mask, png.ToArray());
        return mask;
    }

    private static void DrawOverlay(SKBitmap original, float[] map, int columns, int rows, string path) =>
        WriteWhole(path, HeatmapRenderer.EncodeOverlayPng(original, map, columns, rows, 0f, 1f));

    private static void DrawHeatmap(float[] map, int columns, int rows, string path)
    {
        using var colours = HeatmapRenderer.Colorize(map, columns, rows, 0f, 1f);
        using var png = colours.Encode(SKEncodedImageFormat.Png, 100);
        WriteWhole(path, png.ToArray());
    }

    /// <summary>Written beside and moved into place, so a request drawing the same image at the same time never reads half of it.</summary>
    private static void WriteWhole(string path, byte[] bytes)
    {
        string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The kept map of a result (normalised: the pixel threshold is 0.5), by its overlay's path; null when it is not there.</summary>
    public static (float[] Values, int Columns, int Rows)? KeptMap(string overlayPath) => ReadMap(ResultFiles.MapBeside(overlayPath));

    private static (float[] Values, int Columns, int Rows)? ReadMap(string path)
    {
        if (!File.Exists(path)) return null;
        using var reader = new BinaryReader(File.OpenRead(path));
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic)) throw new InvalidDataException($"{path} is not an anomaly map");
        int rows = reader.ReadInt32(), columns = reader.ReadInt32();
        var data = reader.ReadBytes(rows * columns * 2);
        return (new FeatureBlock(rows, columns, FeaturePrecision.Float16, data).ToFloats(), columns, rows);
    }
}
