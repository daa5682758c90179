using Inspection.Engine.Imaging;
using SkiaSharp;
using Xunit;

namespace Inspection.Engine.Tests.Imaging;

/// <summary>
/// Images reach the model resized as torchvision's <c>Resize(antialias=True)</c> resizes them for anomalib: a triangle
/// filter widened by the shrink factor, in float.
/// </summary>
public class ResizeTests
{
    [Fact]
    public void A_shrink_averages_every_source_pixel_under_the_widened_triangle_filter()
    {
        // A 12 x 2 ramp (value 10 x column) shrunk to 3 x 2: each output pixel spans 4 columns, and the filter reaches
        // 4 columns either side of its centre. Output column 0 is centred at 2.0 and weighs columns 0..5 by
        // 1 - |j + 0.5 - 2| / 4 = 0.625, 0.875, 0.875, 0.625, 0.375, 0.125: (8.75 + 17.5 + 18.75 + 15 + 6.25) / 3.5.
        // Plain bilinear sampling would read columns 1 and 2 alone (15), Skia's mipmaps another mix.
        using var bitmap = Ramp(12, 2, column => (byte)(10 * column));
        var pixels = ImageTensorConverter.ResizeToPixels(bitmap, 3, 2);
        Assert.Equal(3 * 3 * 2, pixels.Length);
        Assert.Equal(66.25f / 3.5f, pixels[0], 3);
        Assert.Equal(pixels[0], pixels[3], 3); // both rows alike
        // Column 1 is centred at 6.0 on a linear ramp, so its symmetric weights average to the ramp's value there.
        Assert.Equal(55f, pixels[1], 3);
    }

    [Fact]
    public void An_image_of_the_model_size_is_not_resampled_and_an_enlargement_is_plain_bilinear()
    {
        using var bitmap = Ramp(4, 1, column => (byte)(column * 40 + 1));
        var same = ImageTensorConverter.ResizeToPixels(bitmap, 4, 1);
        Assert.Equal([1f, 41f, 81f, 121f], same[..4]);
        var doubled = ImageTensorConverter.ResizeToPixels(bitmap, 8, 1);
        // Half-pixel centres: output 1 sits at source 0.25, between columns 0 and 1 (1 + 0.25 * 40); the edges clamp.
        Assert.Equal(1f, doubled[0], 3);
        Assert.Equal(11f, doubled[1], 3);
        Assert.Equal(121f, doubled[7], 3);
    }

    [Fact]
    public void Masks_shrink_by_nearest_source_pixel_floor_of_i_times_in_over_out()
    {
        // Column c is set where c % 3 == 2: a 9-wide mask shrunk to 3 reads columns 0, 3, 6 (all clear); enlarged to
        // 18 each column is read twice.
        using var mask = Ramp(9, 1, column => column % 3 == 2 ? (byte)255 : (byte)0);
        Assert.Equal([false, false, false], ImageTensorConverter.ResizeMask(mask, 3, 1));
        var enlarged = ImageTensorConverter.ResizeMask(mask, 18, 1);
        Assert.Equal(Enumerable.Range(0, 18).Select(i => (i / 2) % 3 == 2).ToArray(), enlarged);
    }

    private static SKBitmap Ramp(int width, int height, Func<int, byte> value)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                byte v = value(x);
                bitmap.SetPixel(x, y, new SKColor(v, v, v));
            }
        return bitmap;
    }
}
