using Inspection.Engine.Backbones;
using Inspection.Engine.Imaging;
using Inspection.Engine.PatchCore;
using Xunit;

namespace Inspection.Engine.Tests.PatchCore;

public class PatchCoreSettingsTests
{
    [Fact]
    public void An_image_size_the_resnet18_export_cannot_take_is_refused_before_any_work()
    {
        var error = Assert.Throws<ArgumentException>(() => new PatchCoreSettings { ImageSize = 100 }.Validate());
        Assert.Contains("multiple of 16", error.Message);
        Assert.Contains("96 or 112", error.Message);
        new PatchCoreSettings { ImageSize = 112 }.Validate();
        new PatchCoreSettings { ImageSize = 104, Layers = ["layer1", "layer2"] }.Validate(); // multiple of 8 suffices there
        // torchvision's symmetric padding takes any size.
        new PatchCoreSettings { ImageSize = 100, Backbone = BackboneFactory.WideResNet50 }.Validate();
    }

    [Fact]
    public void Sizes_outside_the_supported_range_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new PatchCoreSettings { ImageSize = 16 }.Validate());
        Assert.Throws<ArgumentException>(() => new PatchCoreSettings { ImageSize = 4096 }.Validate());
    }

    [Fact]
    public void A_rectangular_size_is_checked_side_by_side_and_its_patch_grid_is_an_eighth_each_way()
    {
        var settings = new PatchCoreSettings { ImageSize = new Extent(640, 256) };
        settings.Validate();
        Assert.Equal(new Extent(80, 32), settings.PatchGrid);
        Assert.Equal(new Extent(160, 64), (settings with { Layers = ["layer1", "layer2"] }).PatchGrid);
        var side = Assert.Throws<ArgumentException>(() => new PatchCoreSettings { ImageSize = new Extent(640, 250) }.Validate());
        Assert.Contains("640x250", side.Message);
        Assert.Contains("240 or 256 instead of 250", side.Message);
        Assert.Throws<ArgumentException>(() => new PatchCoreSettings { ImageSize = new Extent(4096, 256) }.Validate());
        var blur = Assert.Throws<ArgumentException>(() => new PatchCoreSettings { ImageSize = new Extent(512, 32), BlurSigma = 40 }.Validate());
        Assert.Contains("shorter side", blur.Message);
        Assert.Throws<ArgumentException>(() => new PatchCoreSettings { AutoImagePixels = 100 }.Validate());
        new PatchCoreSettings { AutoImagePixels = 65_536 }.Validate();
    }

    [Fact]
    public void Auto_size_picks_the_input_from_the_training_images_aspects_and_a_fixed_size_stays()
    {
        var auto = new PatchCoreSettings { AutoImagePixels = 65_536 }.WithImageSizeFor([0.25, 0.25]);
        Assert.Equal(new Extent(512, 128), auto.ImageSize);
        Assert.Equal(65_536, auto.AutoImagePixels);
        Assert.Equal(new Extent(256, 256), new PatchCoreSettings().WithImageSizeFor([0.25]).ImageSize);
    }
}
