using Inspection.Engine.Imaging;
using SkiaSharp;
using Xunit;

namespace Inspection.Engine.Tests.Imaging;

/// <summary>What this build of Skia decodes (the formats the README lists), and what a file of another format is told.</summary>
public class ImageFormatTests
{
    private static byte[] Bmp2x2()
    {
        var bmp = new List<byte>();
        void Int(int v) => bmp.AddRange(BitConverter.GetBytes(v));
        void Short(short v) => bmp.AddRange(BitConverter.GetBytes(v));
        bmp.AddRange("BM"u8.ToArray()); Int(54 + 16); Int(0); Int(54);
        Int(40); Int(2); Int(2); Short(1); Short(24); bmp.AddRange(new byte[24]);
        bmp.AddRange(Enumerable.Repeat((byte)0x80, 16)); // two rows of two grey pixels, each row padded to 8 bytes
        return bmp.ToArray();
    }

    private static byte[] IcoHolding(byte[] png) =>
        [0, 0, 1, 0, 1, 0, 4, 2, 0, 0, 1, 0, 32, 0, .. BitConverter.GetBytes(png.Length), .. BitConverter.GetBytes(22), .. png];

    public static TheoryData<string, byte[], int, int> Readable()
    {
        using var red = new SKBitmap(4, 2);
        red.Erase(SKColors.Red);
        byte[] Encode(SKEncodedImageFormat format) { using var data = red.Encode(format, 90); return data.ToArray(); }
        return new()
        {
            { "a.png", Encode(SKEncodedImageFormat.Png), 4, 2 },
            { "a.jpg", Encode(SKEncodedImageFormat.Jpeg), 4, 2 },
            { "a.webp", Encode(SKEncodedImageFormat.Webp), 4, 2 },
            { "a.bmp", Bmp2x2(), 2, 2 },
            { "a.gif", Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"), 1, 1 },
            { "a.ico", IcoHolding(Encode(SKEncodedImageFormat.Png)), 4, 2 },
            { "a.wbmp", [0, 0, 8, 2, 0xAA, 0x55], 8, 2 },
        };
    }

    [Theory]
    [MemberData(nameof(Readable))]
    public void Every_listed_format_decodes(string name, byte[] bytes, int width, int height)
    {
        Assert.Contains(Path.GetExtension(name), ImageDecoder.Extensions);
        using var bitmap = ImageDecoder.Decode(bytes, name);
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
    }

    [Theory]
    [InlineData("part.tif", new byte[] { 0x49, 0x49, 0x2A, 0, 8, 0, 0, 0, 0, 0, 0, 0 }, "its format is TIFF, which is not supported")]
    [InlineData("part.png", new byte[] { 0x4D, 0x4D, 0, 0x2A, 0, 0, 0, 8, 0, 0, 0, 0 }, "its format is TIFF,")] // content, not the name, decides
    [InlineData("part.heic", new byte[] { 0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63, 0, 0, 0, 0 }, "its format is HEIF,")]
    [InlineData("part.jp2", new byte[] { 0xFF, 0x4F, 0xFF, 0x51, 0, 0 }, "its format is JPEG 2000,")]
    [InlineData("part.tiff", new byte[] { 1, 2, 3, 4, 5, 6 }, "its format is TIFF,")] // unrecognisable bytes: the extension names it
    [InlineData("part.png", new byte[] { 0x74, 0x68, 0x69, 0x73, 0x20, 0x69, 0x73, 0x20, 0x74, 0x65, 0x78, 0x74, 0x0A }, "it is a text file, not an image")]
    [InlineData("part.svg", new byte[] { 0x3C, 0x73, 0x76, 0x67, 0x3E, 0x3C, 0x2F, 0x73, 0x76, 0x67, 0x3E }, "its format is SVG,")]
    public void A_file_of_another_format_is_refused_naming_the_format_and_the_formats_read(string name, byte[] bytes, string expected)
    {
        var e = Assert.Throws<ImageReadException>(() => ImageDecoder.Decode(bytes, name));
        Assert.Contains(name, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Contains("PNG, JPEG, BMP, GIF, WebP, ICO, WBMP", e.Message);
    }

    [Fact]
    public void A_folder_is_refused_as_a_folder()
    {
        using var folder = new TempFolder();
        Assert.Contains("it is a folder", Assert.Throws<ImageReadException>(() => ImageDecoder.Decode(folder.Path)).Message);
    }
}
