using Inspection.Engine.Imaging;
using SkiaSharp;
using Xunit;

namespace Inspection.Engine.Tests.Imaging;

/// <summary>
/// JPEGs from phones and cameras store the sensor's rows and an EXIF orientation; a viewer turns the picture upright,
/// and so must the decoder, or a model trained on upright parts scores turned ones.
/// </summary>
public class ImageOrientationTests
{
    private static readonly SKColor Red = new(255, 0, 0), Blue = new(0, 0, 255), Green = new(0, 255, 0), White = new(255, 255, 255);

    /// <summary>40x20 stored pixels: red top left, blue top right, green bottom left, white bottom right.</summary>
    private static byte[] QuadrantJpeg()
    {
        using var bitmap = new SKBitmap(40, 20);
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 40; x++)
                bitmap.SetPixel(x, y, (x < 20, y < 10) switch { (true, true) => Red, (false, true) => Blue, (true, false) => Green, _ => White });
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 100);
        return data.ToArray();
    }

    [Theory]
    // orientation, displayed size, then the displayed top-left, top-right, bottom-left, bottom-right colours
    [InlineData(1, 40, 20, "red", "blue", "green", "white")]
    [InlineData(2, 40, 20, "blue", "red", "white", "green")]   // mirrored left to right
    [InlineData(3, 40, 20, "white", "green", "blue", "red")]   // turned 180 degrees
    [InlineData(6, 20, 40, "green", "red", "white", "blue")]   // turned 90 degrees clockwise (a phone held upright)
    [InlineData(8, 20, 40, "blue", "white", "red", "green")]   // turned 90 degrees anticlockwise
    [InlineData(5, 20, 40, "red", "green", "blue", "white")]   // transposed
    public void Jpeg_orientation_is_applied_as_a_viewer_shows_the_picture(ushort orientation, int width, int height,
        string topLeft, string topRight, string bottomLeft, string bottomRight)
    {
        using var bitmap = ImageDecoder.Decode(ExifJpeg.WithOrientation(QuadrantJpeg(), orientation), "turned.jpg");
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
        AssertColour(topLeft, bitmap.GetPixel(width / 4, height / 4));
        AssertColour(topRight, bitmap.GetPixel(3 * width / 4, height / 4));
        AssertColour(bottomLeft, bitmap.GetPixel(width / 4, 3 * height / 4));
        AssertColour(bottomRight, bitmap.GetPixel(3 * width / 4, 3 * height / 4));
    }

    private static void AssertColour(string name, SKColor actual)
    {
        var expected = name switch { "red" => Red, "blue" => Blue, "green" => Green, _ => White };
        int distance = Math.Abs(expected.Red - actual.Red) + Math.Abs(expected.Green - actual.Green) + Math.Abs(expected.Blue - actual.Blue);
        Assert.True(distance < 60, $"expected {name} {expected}, got {actual}");
    }
}
