using System.Runtime.InteropServices;
using System.Text;
using SkiaSharp;

namespace Inspection.Engine.Imaging;

/// <summary>
/// Decodes PNG, JPEG, BMP, GIF (first frame), WebP, ICO and WBMP, the formats this build of Skia reads (HEIF, AVIF,
/// TIFF and camera raw are not compiled in), into 8-bit RGBA, whatever the stored layout: grayscale, palette, 16-bit and
/// alpha images all come out as RGBA8888. Pixels come out as an image viewer shows them: the EXIF orientation of a
/// JPEG (a phone or camera held upright) is applied. Very large images are decoded at a reduced scale where the codec
/// supports it (JPEG), and otherwise refused with a clear message rather than exhausting memory. Files of other formats
/// are refused naming the format where it can be recognised (TIFF, HEIF, ...).
/// </summary>
public static class ImageDecoder
{
    /// <summary>Largest image decoded at full size: 100 megapixels (400 MB of RGBA).</summary>
    public const long DefaultMaxPixels = 100_000_000;

    /// <summary>File extensions of the formats decoded (lower case, with the dot).</summary>
    public static readonly IReadOnlyList<string> Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".ico", ".wbmp"];

    /// <summary>Extensions of image formats that are not decoded, by name: a folder's files of these are reported, not skipped.</summary>
    public static readonly IReadOnlyDictionary<string, string> UnsupportedExtensions = new Dictionary<string, string>
    {
        [".tif"] = "TIFF", [".tiff"] = "TIFF", [".heic"] = "HEIF", [".heif"] = "HEIF", [".avif"] = "AVIF", [".jxl"] = "JPEG XL",
        [".jp2"] = "JPEG 2000", [".j2k"] = "JPEG 2000", [".psd"] = "Photoshop", [".exr"] = "OpenEXR", [".hdr"] = "Radiance HDR",
        [".tga"] = "TGA", [".pbm"] = "Netpbm", [".pgm"] = "Netpbm", [".ppm"] = "Netpbm", [".pnm"] = "Netpbm", [".svg"] = "SVG",
        [".dng"] = "camera raw (DNG)", [".cr2"] = "camera raw (CR2)", [".nef"] = "camera raw (NEF)", [".arw"] = "camera raw (ARW)",
    };

    private const string SupportedNames = "PNG, JPEG, BMP, GIF, WebP, ICO, WBMP";

    public static SKBitmap Decode(string path, long maxPixels = DefaultMaxPixels)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Reading a folder fails as access denied; name what it is (checked only on failure, off the frame path).
            throw new ImageReadException(path, Directory.Exists(path) ? "it is a folder, not an image file" : e.Message, e);
        }
        return Decode(bytes, path, maxPixels);
    }

    public static SKBitmap Decode(byte[] bytes, string name, long maxPixels = DefaultMaxPixels)
    {
        if (bytes.Length == 0) throw new ImageReadException(name, "the file is empty");
        using var data = SKData.CreateCopy(bytes);
        using var stream = new SKMemoryStream(data);
        using var codec = SKCodec.Create(stream, out var createResult);
        if (codec == null) throw new ImageReadException(name, Unsupported(bytes, name, createResult));
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
        return Orient(bitmap, codec.EncodedOrigin);
    }

    /// <summary>
    /// The pixels as displayed: the stored rows turned and mirrored as the file's orientation says (EXIF tag 274), by
    /// moving whole pixels, so no value changes. Disposes <paramref name="stored"/> when it returns a new bitmap.
    /// </summary>
    private static SKBitmap Orient(SKBitmap stored, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft) return stored;
        int w = stored.Width, h = stored.Height;
        bool transposed = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int outW = transposed ? h : w, outH = transposed ? w : h;
        // Where displayed pixel (x, y) is stored: sx = ax x + bx y + cx, sy = ay x + by y + cy.
        var (ax, bx, cx, ay, by, cy) = origin switch
        {
            SKEncodedOrigin.TopRight => (-1, 0, w - 1, 0, 1, 0),
            SKEncodedOrigin.BottomRight => (-1, 0, w - 1, 0, -1, h - 1),
            SKEncodedOrigin.BottomLeft => (1, 0, 0, 0, -1, h - 1),
            SKEncodedOrigin.LeftTop => (0, 1, 0, 1, 0, 0),
            SKEncodedOrigin.RightTop => (0, 1, 0, -1, 0, h - 1),
            SKEncodedOrigin.RightBottom => (0, -1, w - 1, -1, 0, h - 1),
            SKEncodedOrigin.LeftBottom => (0, -1, w - 1, 1, 0, 0),
            _ => (1, 0, 0, 0, 1, 0),
        };
        var shown = new SKBitmap(new SKImageInfo(outW, outH, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (stored)
        {
            // Whole RGBA pixels as one 32-bit value each.
            var from = MemoryMarshal.Cast<byte, uint>(stored.GetPixelSpan());
            var to = MemoryMarshal.Cast<byte, uint>(shown.GetPixelSpan());
            for (int y = 0; y < outH; y++)
                for (int x = 0; x < outW; x++)
                    to[y * outW + x] = from[(ay * x + by * y + cy) * w + ax * x + bx * y + cx];
        }
        return shown;
    }

    /// <summary>Why Skia found no codec: the format recognised from the first bytes, else from the extension, else "not an image".</summary>
    private static string Unsupported(byte[] bytes, string name, SKCodecResult result)
    {
        string? format = Sniff(bytes);
        // The extension names formats that are text inside (SVG, ASCII Netpbm) or that the first bytes do not show.
        if ((format == null || format == "text") && UnsupportedExtensions.TryGetValue(Path.GetExtension(name).ToLowerInvariant(), out var byName))
            format = byName;
        if (format == "text") return $"it is a text file, not an image (formats read: {SupportedNames})";
        return format != null
            ? $"its format is {format}, which is not supported (formats read: {SupportedNames}); convert it, for example to PNG"
            : $"not a supported image format ({result}; formats read: {SupportedNames})";
    }

    private static string? Sniff(byte[] b)
    {
        bool Starts(params byte[] magic) => b.Length >= magic.Length && b.AsSpan(0, magic.Length).SequenceEqual(magic);
        if (Starts(0x49, 0x49, 0x2A, 0x00) || Starts(0x4D, 0x4D, 0x00, 0x2A)) return "TIFF";
        if (b.Length >= 12 && Encoding.ASCII.GetString(b, 4, 4) == "ftyp")
        {
            string brand = Encoding.ASCII.GetString(b, 8, 4);
            if (brand is "avif" or "avis") return "AVIF";
            if (brand is "heic" or "heix" or "hevc" or "hevx" or "mif1" or "msf1") return "HEIF";
        }
        if (Starts(0xFF, 0x0A) || Starts(0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20)) return "JPEG XL";
        if (Starts(0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20) || Starts(0xFF, 0x4F, 0xFF, 0x51)) return "JPEG 2000";
        if (Starts("8BPS"u8.ToArray())) return "Photoshop";
        if (Starts(0x76, 0x2F, 0x31, 0x01)) return "OpenEXR";
        if (b.Length >= 3 && b[0] == 'P' && b[1] is >= (byte)'1' and <= (byte)'7' && char.IsWhiteSpace((char)b[2])) return "Netpbm";
        // Text (a mislabelled note, JSON, SVG or HTML): the first bytes are all printable ASCII or whitespace.
        var head = b.AsSpan(0, Math.Min(b.Length, 256));
        bool text = true;
        foreach (byte c in head) text &= c is >= 0x20 and < 0x7F or (byte)'\t' or (byte)'\n' or (byte)'\r';
        return text ? "text" : null;
    }
}
