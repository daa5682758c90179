using System.Buffers.Binary;
using System.IO.Compression;

namespace Inspection.Engine.Tests.Imaging;

/// <summary>Writes minimal PNGs byte by byte, for layouts Skia's encoder does not produce (16-bit grey, huge headers).</summary>
internal static class PngWriter
{
    public static byte[] Gray16(int width, int height, Func<int, int, ushort> value)
    {
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0); // filter: none
            for (int x = 0; x < width; x++)
            {
                ushort v = value(x, y);
                raw.WriteByte((byte)(v >> 8));
                raw.WriteByte((byte)v);
            }
        }
        return Png(width, height, bitDepth: 16, colourType: 0, raw.ToArray());
    }

    /// <summary>A PNG whose header claims width x height but whose data is one empty row (never decodable in full).</summary>
    public static byte[] HeaderOnly(int width, int height) => Png(width, height, 8, 0, new byte[1]);

    private static byte[] Png(int width, int height, byte bitDepth, byte colourType, byte[] raw)
    {
        var output = new MemoryStream();
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = bitDepth;
        header[9] = colourType;
        Chunk(output, "IHDR", header);
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) z.Write(raw);
        Chunk(output, "IDAT", compressed.ToArray());
        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        output.Write(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        output.Write(crc);
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
