using Inspection.Engine.Backbones;
using Xunit;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.Backbones;

/// <summary>
/// <see cref="ResNetBackbone.MoveTo"/> folds the batch norms into the convolutions and runs channels-last on the CPU;
/// the features must stay those of the module-by-module network (a backbone never moved runs that way).
/// </summary>
public class FoldedInferenceTests
{
    [Theory]
    [InlineData(256)]
    [InlineData(80)] // 40 after the stem: its asymmetric end pads are read
    public void Folded_resnet18_gives_the_features_of_the_module_by_module_network(int size)
    {
        using var folded = BackboneFactory.Create(BackboneFactory.ResNet18, ["layer1", "layer2", "layer3"], CPU);
        using var reference = ResNetBackbone.ResNet18Cntk(["layer1", "layer2", "layer3"]);
        ResNet18OnnxImporter.Import(ResNet18OnnxImporter.DefaultOnnxPath(), reference);
        manual_seed(7);
        using var images = rand(2, 3, size, size) * 255;
        var expected = reference.Extract(images);
        var moduleByModule = folded.ExtractModuleByModule(images);
        for (int i = 0; i < expected.Length; i++) // the same modules on the same input: bit for bit
            Assert.Equal(0f, (expected[i] - moduleByModule[i]).abs().max().item<float>());
        AssertSameFeatures(expected, folded.Extract(images), 1e-5);
        foreach (var t in moduleByModule) t.Dispose();
    }

    [Fact]
    public void Folding_applies_batch_norm_statistics_and_affine_terms()
    {
        using var network = ResNetBackbone.WideResNet50(["layer2", "layer3"]);
        RandomWeights.Fill(network, 5);
        using var images = rand(1, 3, 64, 64) * 255;
        var expected = network.Extract(images); // not moved yet: module by module
        network.MoveTo(CPU);
        var actual = network.Extract(images);
        AssertSameFeatures(expected, actual, 1e-5);
    }

    [Fact]
    public void A_bf16_backbone_is_folded_from_float32_weights_and_stays_close()
    {
        using var reference = BackboneFactory.Create(BackboneFactory.ResNet18, ["layer2", "layer3"], CPU);
        using var reduced = BackboneFactory.Create(BackboneFactory.ResNet18, ["layer2", "layer3"], CPU, precision: "bf16");
        manual_seed(8);
        using var images = rand(1, 3, 64, 64) * 255;
        var expected = reference.Extract(images);
        var actual = reduced.Extract(images);
        Assert.Equal(ScalarType.BFloat16, actual[0].dtype);
        // Eight mantissa bits per layer: a few percent of the largest feature, not more.
        AssertSameFeatures(expected, actual.Select(a => a.to(ScalarType.Float32)).ToArray(), 0.05);
    }

    private static void AssertSameFeatures(Tensor[] expected, Tensor[] actual, double relative)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].shape, actual[i].shape);
            Assert.True(actual[i].is_contiguous(), $"layer {i} must come back in the usual NCHW layout");
            double scale = expected[i].abs().max().item<float>();
            double difference = (expected[i] - actual[i]).abs().max().item<float>();
            Assert.True(scale > 0.1, $"layer {i} is degenerate");
            Assert.True(difference <= relative * scale, $"layer {i}: max difference {difference:G3} against a largest feature of {scale:G3}");
        }
        foreach (var t in expected.Concat(actual)) t.Dispose();
    }
}
