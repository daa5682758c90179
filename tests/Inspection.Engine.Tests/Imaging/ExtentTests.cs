using System.Text.Json;
using Inspection.Engine.Imaging;
using Xunit;

namespace Inspection.Engine.Tests.Imaging;

public class ExtentTests
{
    [Theory]
    [InlineData("256", 256, 256, "256")]
    [InlineData("640x256", 640, 256, "640x256")]
    [InlineData(" 96X48 ", 96, 48, "96x48")]
    [InlineData("128x128", 128, 128, "128")]
    public void Sizes_parse_as_height_by_width_and_print_square_ones_as_one_side(string text, int height, int width, string printed)
    {
        var size = Extent.Parse(text);
        Assert.Equal((height, width), (size.Height, size.Width));
        Assert.Equal(printed, size.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("big")]
    [InlineData("640x")]
    [InlineData("1x2x3")]
    [InlineData("-5")]
    [InlineData("64.5")]
    public void Text_that_is_no_size_is_refused_naming_both_forms(string text)
    {
        Assert.Null(Extent.TryParse(text, out string error));
        Assert.Contains("height x width (640x256)", error);
    }

    [Fact]
    public void Json_holds_a_square_as_the_number_older_files_have_and_a_rectangle_as_text()
    {
        Assert.Equal("256", JsonSerializer.Serialize(new Extent(256, 256)));
        Assert.Equal("\"640x256\"", JsonSerializer.Serialize(new Extent(640, 256)));
        Assert.Equal(new Extent(224, 224), JsonSerializer.Deserialize<Extent>("224"));
        Assert.Equal(new Extent(512, 128), JsonSerializer.Deserialize<Extent>("\"512x128\""));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Extent>("\"wide\""));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Extent>("true"));
    }

    [Theory]
    [InlineData("auto", 65_536, "auto")]
    [InlineData("AUTO:100000", 100_000, "auto:100000")]
    public void Auto_takes_an_optional_pixel_budget(string text, int pixels, string printed)
    {
        var choice = ImageSizeChoice.TryParse(text, out _)!;
        Assert.Equal(pixels, choice.AutoPixels);
        Assert.Equal(printed, choice.ToString());
        Assert.Null(ImageSizeChoice.TryParse("auto:lots", out string error));
        Assert.Contains("auto:PIXELS", error);
        Assert.Null(ImageSizeChoice.TryParse("640x256", out _)!.AutoPixels);
    }
}
