using Inspection.Engine.Imaging;
using SkiaSharp;
using Xunit;

namespace Inspection.Engine.Tests.Imaging;

public class ImageDecoderTests
{
    internal static byte[] EncodePng(int width, int height, Func<int, int, SKColor> colour, SKColorType type = SKColorType.Rgba8888)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, type, SKAlphaType.Premul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) bitmap.SetPixel(x, y, colour(x, y));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    [Fact]
    public void Grayscale_png_decodes_to_equal_rgb_channels()
    {
        var png = EncodePng(20, 10, (x, y) => new SKColor((byte)(x * 10), (byte)(x * 10), (byte)(x * 10)), SKColorType.Gray8);
        using var bitmap = ImageDecoder.Decode(png, "gray.png");
        var rgb = ImageTensorConverter.ResizeToPixels(bitmap, 20, 10); // CHW: channel planes of 200 pixels
        Assert.Equal(rgb[7], rgb[200 + 7]);
        Assert.Equal(rgb[7], rgb[400 + 7]);
        Assert.Equal(70, rgb[7]);
    }

    [Fact]
    public void Sixteen_bit_grayscale_png_decodes_to_its_high_byte()
    {
        var png = PngWriter.Gray16(8, 4, (x, _) => (ushort)(x * 8000));
        using var bitmap = ImageDecoder.Decode(png, "g16.png");
        Assert.Equal((8, 4), (bitmap.Width, bitmap.Height));
        var rgb = ImageTensorConverter.ResizeToPixels(bitmap, 8, 4);
        Assert.InRange(rgb[5], 5 * 8000 / 257 - 1, 5 * 8000 / 257 + 1);
        Assert.Equal(rgb[5], rgb[2 * 32 + 5]);
    }

    [Fact]
    public void Truncated_png_is_refused_as_truncated()
    {
        var png = EncodePng(64, 64, (x, y) => new SKColor((byte)(x * 3), (byte)(y * 3), (byte)(x ^ y)));
        var e = Assert.Throws<ImageReadException>(() => ImageDecoder.Decode(png[..(png.Length / 2)], "half.png"));
        Assert.Contains("half.png", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Garbage_and_empty_files_are_refused()
    {
        Assert.Contains("not a supported image format", Assert.Throws<ImageReadException>(() => ImageDecoder.Decode(new byte[500], "zero.png")).Message);
        Assert.Contains("empty", Assert.Throws<ImageReadException>(() => ImageDecoder.Decode([], "empty.png")).Message);
        Assert.Contains("nowhere.png", Assert.Throws<ImageReadException>(() => ImageDecoder.Decode("/nonexistent/nowhere.png")).Message);
    }

    [Fact]
    public void Huge_png_is_refused_before_allocating_it()
    {
        var png = PngWriter.HeaderOnly(60000, 60000);
        var e = Assert.Throws<ImageReadException>(() => ImageDecoder.Decode(png, "huge.png"));
        Assert.Contains("60000x60000", e.Message);
        Assert.Contains("limit", e.Message);
    }

    [Fact]
    public void Large_jpeg_is_decoded_at_a_reduced_scale()
    {
        using var bitmap = new SKBitmap(2000, 1600);
        bitmap.Erase(SKColors.Orange);
        using var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        using var decoded = ImageDecoder.Decode(jpeg.ToArray(), "big.jpg", maxPixels: 1_000_000);
        Assert.True((long)decoded.Width * decoded.Height <= 1_000_000);
        Assert.Equal(2000.0 / 1600.0, (double)decoded.Width / decoded.Height, 1);
    }

    [Fact]
    public void Masks_of_another_size_than_their_image_are_refused()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("img.png"), EncodePng(40, 30, (_, _) => SKColors.Gray));
        File.WriteAllBytes(folder.File("img_mask.png"), EncodePng(20, 30, (_, _) => SKColors.White));
        var e = Assert.Throws<ImageReadException>(() => GroundTruthMask.Load(folder.File("img_mask.png"), folder.File("img.png"), 16));
        Assert.Contains("20x30", e.Message);
        Assert.Contains("40x30", e.Message);
    }
}
