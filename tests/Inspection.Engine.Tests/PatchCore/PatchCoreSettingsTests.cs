using Inspection.Engine.Backbones;
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
}
