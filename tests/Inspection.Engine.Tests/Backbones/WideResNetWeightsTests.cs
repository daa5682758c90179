using Inspection.Engine.Backbones;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.Backbones;

public class WideResNetWeightsTests
{
    [Theory]
    [InlineData(".pth")]
    [InlineData(".safetensors")]
    public void A_torchvision_state_dict_written_here_loads_and_reproduces_outputs(string extension)
    {
        using var folder = new TempFolder();
        string path = folder.File("wrn50" + extension);
        using var source = ResNetBackbone.WideResNet50(["layer2", "layer3"]);
        RandomWeights.Fill(source, 5);
        if (extension == ".pth") source.save_py(path); else source.save_safetensors(path);

        using var loaded = BackboneFactory.Create(BackboneFactory.WideResNet50, ["layer2", "layer3"], CPU, path);
        Assert.Equal([512, 1024], loaded.LayerChannels);
        using var images = rand(1, 3, 64, 64) * 255;
        var expected = source.Extract(images);
        var actual = loaded.Extract(images);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(expected[i].shape, actual[i].shape);
            Assert.True(expected[i].allclose(actual[i], rtol: 1e-5, atol: 1e-5), $"layer {i} differs");
        }
    }

    [Fact]
    public void A_state_dict_missing_tensors_is_refused_by_name()
    {
        using var folder = new TempFolder();
        string path = folder.File("resnet18.pth");
        // A ResNet18 state dict is not a Wide ResNet50-2 one: shapes and keys differ.
        using (var other = ResNetBackbone.ResNet18Cntk(["layer2"])) other.save_py(path);
        var e = Assert.ThrowsAny<Exception>(() => BackboneFactory.Create(BackboneFactory.WideResNet50, ["layer2", "layer3"], CPU, path));
        Assert.IsType<InvalidDataException>(e);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Wide_resnet_without_weights_says_so()
    {
        var e = Assert.Throws<ArgumentException>(() => BackboneFactory.Create(BackboneFactory.WideResNet50, ["layer2", "layer3"], CPU));
        Assert.Contains("weights", e.Message);
    }
}
