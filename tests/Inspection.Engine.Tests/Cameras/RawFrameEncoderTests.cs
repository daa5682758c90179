using Inspection.Engine.Cameras;
using Inspection.Engine.Imaging;
using Xunit;

namespace Inspection.Engine.Tests.Cameras;

/// <summary>
/// A camera's raw buffer becomes a BMP the decoder reads back to the same pixels: Mono8 as grey, RGB8 in its colours,
/// each Bayer order demosaiced to the colours of its cells; odd sizes (rows padded in the file) and short buffers.
/// </summary>
public sealed class RawFrameEncoderTests
{
    [Theory]
    [InlineData(8, 4)]
    [InlineData(5, 3)] // rows padded to 4 bytes in the file
    public void Mono8_decodes_to_the_same_grey_pixels(int width, int height)
    {
        var raw = Enumerable.Range(0, width * height).Select(i => (byte)(i * 7 % 256)).ToArray();
        using var bitmap = ImageDecoder.Decode(RawFrameEncoder.ToBmp(raw, width, height, RawPixelFormat.Mono8), "mono.bmp");
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var pixel = bitmap.GetPixel(x, y);
                byte v = raw[y * width + x];
                Assert.Equal((v, v, v), (pixel.Red, pixel.Green, pixel.Blue));
            }
    }

    [Fact]
    public void Rgb8_decodes_to_the_same_colours_top_row_first()
    {
        const int width = 3, height = 2;
        var raw = new byte[] { 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90 };
        using var bitmap = ImageDecoder.Decode(RawFrameEncoder.ToBmp(raw, width, height, RawPixelFormat.Rgb8), "rgb.bmp");
        for (int i = 0; i < width * height; i++)
        {
            var pixel = bitmap.GetPixel(i % width, i / width);
            Assert.Equal((raw[i * 3], raw[i * 3 + 1], raw[i * 3 + 2]), (pixel.Red, pixel.Green, pixel.Blue));
        }
    }

    [Theory]
    [InlineData(RawPixelFormat.BayerRG8, 0, 0)]
    [InlineData(RawPixelFormat.BayerGR8, 0, 1)]
    [InlineData(RawPixelFormat.BayerGB8, 1, 0)]
    [InlineData(RawPixelFormat.BayerBG8, 1, 1)]
    public void A_bayer_mosaic_of_one_colour_demosaics_to_that_colour_in_every_order(RawPixelFormat format, int redRow, int redColumn)
    {
        const int width = 7, height = 5; // odd: the last row and column take the cell before
        (byte R, byte G, byte B) colour = (200, 120, 40);
        var raw = new byte[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                bool redRowHere = (y & 1) == redRow, redColumnHere = (x & 1) == redColumn;
                raw[y * width + x] = redRowHere && redColumnHere ? colour.R : !redRowHere && !redColumnHere ? colour.B : colour.G;
            }
        using var bitmap = ImageDecoder.Decode(RawFrameEncoder.ToBmp(raw, width, height, format), "bayer.bmp");
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var pixel = bitmap.GetPixel(x, y);
                Assert.Equal(colour, (pixel.Red, pixel.Green, pixel.Blue));
            }
    }

    [Fact]
    public void A_short_buffer_an_empty_frame_and_an_unknown_format_are_refused_with_the_reason()
    {
        var refused = Assert.Throws<ArgumentException>(() => RawFrameEncoder.ToBmp(new byte[10], 4, 4, RawPixelFormat.Mono8));
        Assert.Contains("needs 16 bytes; the buffer holds 10", refused.Message);
        Assert.Contains("has no pixels", Assert.Throws<ArgumentException>(() => RawFrameEncoder.ToBmp([], 0, 4, RawPixelFormat.Mono8)).Message);
        Assert.Contains("use Mono8, RGB8", Assert.Throws<ArgumentException>(() => RawPixelFormats.Parse("YUV422")).Message);
        Assert.Equal(RawPixelFormat.BayerGB8, RawPixelFormats.Parse("BayerGB8"));
    }
}
