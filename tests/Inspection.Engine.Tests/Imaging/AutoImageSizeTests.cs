using Inspection.Engine.Imaging;
using Xunit;

namespace Inspection.Engine.Tests.Imaging;

public class AutoImageSizeTests
{
    [Theory]
    [InlineData(1.0, 65_536, 16, 256, 256)]   // square parts: the square input
    [InlineData(0.25, 65_536, 16, 512, 128)]  // four times taller than wide
    [InlineData(0.4, 65_536, 16, 400, 160)]   // the parts of 500 x 1250 pixels (width x height)
    [InlineData(2.5, 65_536, 16, 160, 400)]   // the same parts lying down
    [InlineData(0.4, 16_384, 16, 192, 80)]    // a smaller budget
    [InlineData(1.5, 65_536, 32, 192, 288)]   // layer4: sides of multiples of 32, the aspect exact
    public void The_input_keeps_the_median_aspect_within_the_pixel_budget_in_sides_the_backbone_takes(double aspect, int pixels, int multiple, int height, int width)
    {
        var size = AutoImageSize.Choose([aspect], pixels, multiple);
        Assert.Equal(new Extent(height, width), size);
        Assert.True(size.Area <= pixels, $"{size} has {size.Area} pixels, over the budget of {pixels}");
        Assert.Equal(0, size.Height % multiple);
        Assert.Equal(0, size.Width % multiple);
    }

    [Fact]
    public void The_median_aspect_counts_so_a_few_odd_images_do_not_move_the_input()
    {
        double[] aspects = [0.25, 0.25, 0.26, 0.24, 1.0, 4.0, 0.25];
        Assert.Equal(new Extent(512, 128), AutoImageSize.Choose(aspects, 65_536, 16));
        Assert.Equal(0.5, AutoImageSize.Median([0.25, 0.75]));
    }

    [Fact]
    public void An_extreme_aspect_stays_within_the_sides_the_settings_accept()
    {
        var size = AutoImageSize.Choose([200.0], 65_536, 16);
        Assert.Equal(new Extent(32, 2048), size);
        Assert.Throws<ArgumentException>(() => AutoImageSize.Choose([], 65_536, 16));
        Assert.Throws<ArgumentException>(() => AutoImageSize.Choose([1.0], 100, 16));
    }

    [Fact]
    public void A_frame_far_from_the_training_aspect_gets_a_reason_and_a_near_one_none()
    {
        byte[] Png(int width, int height)
        {
            using var bitmap = new SkiaSharp.SKBitmap(width, height);
            using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
            return data.ToArray();
        }
        Assert.Null(AutoImageSize.Mismatch(0.25, Png(64, 256)));
        Assert.Null(AutoImageSize.Mismatch(0.25, Png(70, 256)));   // 9% off
        Assert.Null(AutoImageSize.Mismatch(0, Png(256, 64)));       // a model from before aspects were kept
        Assert.Null(AutoImageSize.Mismatch(0.25, [1, 2, 3]));       // not an image: decoding says why
        string? far = AutoImageSize.Mismatch(0.25, Png(256, 256));
        Assert.NotNull(far);
        Assert.Contains("256x256", far);
        Assert.Contains("0.25", far);
    }
}
