using System.Buffers.Binary;

namespace Inspection.Engine.Cameras;

/// <summary>
/// Makes a camera's raw buffer into an image file the decoders read: an uncompressed BMP (a copy, no compression to
/// spend time on; the frame is decoded once, on a gpu node). Mono8 becomes an 8-bit grey BMP, RGB8 a 24-bit one,
/// and Bayer mosaics are demosaiced to RGB first (<see cref="Demosaic"/>).
/// </summary>
public static class RawFrameEncoder
{
    private const int FileHeader = 14, InfoHeader = 40, Palette = 256 * 4;

    /// <summary>The BMP of a raw buffer of <paramref name="width"/> x <paramref name="height"/> pixels, rows packed (stride = width x bytes per pixel).</summary>
    public static byte[] ToBmp(ReadOnlySpan<byte> raw, int width, int height, RawPixelFormat format)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"a frame of {width} x {height} pixels has no pixels");
        long needed = (long)width * height * format.BytesPerPixel();
        if (raw.Length < needed)
            throw new ArgumentException($"a {width} x {height} {format.GenICamName()} frame needs {needed} bytes; the buffer holds {raw.Length}");
        if (format == RawPixelFormat.Mono8) return Bmp(raw, width, height, 1);
        if (format == RawPixelFormat.Rgb8) return Bmp(raw, width, height, 3);
        return Bmp(Demosaic(raw, width, height, format), width, height, 3);
    }

    /// <summary>
    /// RGB8 from a Bayer mosaic, each pixel taking the colours of the 2 x 2 cell it lies in (the two greens averaged):
    /// cheap and exact on flat colour, at the cost of half the colour resolution, which the backbone's input scaling
    /// loses anyway.
    /// </summary>
    public static byte[] Demosaic(ReadOnlySpan<byte> raw, int width, int height, RawPixelFormat format)
    {
        // Where red sits in the 2 x 2 cell: (row, column); blue sits diagonally opposite.
        var (redRow, redColumn) = format switch
        {
            RawPixelFormat.BayerRG8 => (0, 0),
            RawPixelFormat.BayerGR8 => (0, 1),
            RawPixelFormat.BayerGB8 => (1, 0),
            RawPixelFormat.BayerBG8 => (1, 1),
            _ => throw new ArgumentException($"{format} is not a Bayer format"),
        };
        if (width < 2 || height < 2) throw new ArgumentException($"a Bayer frame needs 2 x 2 pixels at least; this one is {width} x {height}");
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            // The cell starts on an even row and column (the mosaic's phase); a last odd row or column takes the cell before.
            int cellY = (y & ~1) + 1 < height ? y & ~1 : (y & ~1) - 2;
            for (int x = 0; x < width; x++)
            {
                int cellX = (x & ~1) + 1 < width ? x & ~1 : (x & ~1) - 2;
                int cell = cellY * width + cellX;
                int o = (y * width + x) * 3;
                rgb[o] = raw[cell + redRow * width + redColumn];
                rgb[o + 1] = (byte)((raw[cell + redRow * width + 1 - redColumn] + raw[cell + (1 - redRow) * width + redColumn] + 1) / 2);
                rgb[o + 2] = raw[cell + (1 - redRow) * width + 1 - redColumn];
            }
        }
        return rgb;
    }

    /// <summary>A top-down BMP: 8-bit with a grey palette, or 24-bit (BMP stores blue first).</summary>
    private static byte[] Bmp(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        int stride = (width * channels + 3) & ~3;
        int offset = FileHeader + InfoHeader + (channels == 1 ? Palette : 0);
        var bmp = new byte[offset + (long)stride * height];
        var header = bmp.AsSpan();
        header[0] = (byte)'B';
        header[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(header[2..], bmp.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header[10..], offset);
        BinaryPrimitives.WriteInt32LittleEndian(header[14..], InfoHeader);
        BinaryPrimitives.WriteInt32LittleEndian(header[18..], width);
        BinaryPrimitives.WriteInt32LittleEndian(header[22..], -height); // negative: rows from the top, as the camera sends them
        BinaryPrimitives.WriteInt16LittleEndian(header[26..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(header[28..], (short)(channels * 8));
        BinaryPrimitives.WriteInt32LittleEndian(header[34..], stride * height);
        if (channels == 1)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header[46..], 256);
            for (int i = 0; i < 256; i++)
            {
                int p = FileHeader + InfoHeader + i * 4;
                bmp[p] = bmp[p + 1] = bmp[p + 2] = (byte)i;
            }
        }
        int row = width * channels;
        for (int y = 0; y < height; y++)
        {
            var source = pixels.Slice(y * row, row);
            var target = bmp.AsSpan(offset + y * stride, row);
            if (channels == 1) source.CopyTo(target);
            else
                for (int x = 0; x < row; x += 3)
                {
                    target[x] = source[x + 2];
                    target[x + 1] = source[x + 1];
                    target[x + 2] = source[x];
                }
        }
        return bmp;
    }
}
