namespace Inspection.Engine.Tests.Imaging;

/// <summary>Adds an EXIF orientation to a JPEG, as a phone or camera writes it (also compiled into the host tests).</summary>
public static class ExifJpeg
{
    /// <summary>The JPEG with an APP1 Exif segment holding one tag, Orientation (274), inserted after the start marker.</summary>
    public static byte[] WithOrientation(byte[] jpeg, ushort orientation)
    {
        var tiff = new List<byte> { 0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0, 1, 0 }; // little-endian TIFF header, IFD at 8 with one entry
        tiff.AddRange([0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte)orientation, (byte)(orientation >> 8), 0, 0, 0, 0, 0, 0]); // SHORT x1, no next IFD
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        int length = payload.Length + 2;
        return [.. jpeg[..2], 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload, .. jpeg[2..]];
    }
}
