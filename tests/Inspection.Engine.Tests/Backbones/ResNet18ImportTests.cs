using Inspection.Engine.Backbones;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Inspection.Engine.Tests.Backbones;

public class ResNet18ImportTests
{
    [Fact]
    public void Imported_network_matches_onnx_runtime_on_the_original_graph()
    {
        using var network = BackboneFactory.Create(BackboneFactory.ResNet18, ["layer2", "layer3"], CPU);
        using var session = new InferenceSession(ResNet18OnnxImporter.DefaultOnnxPath());
        string inputName = session.InputMetadata.Keys.Single();
        var generator = new Random(11);
        for (int trial = 0; trial < 3; trial++) // the graph takes one image at a time
        {
            // Network input after the CNTK preprocessing (BGR minus mean): roughly -128..128.
            var values = new float[3 * 224 * 224];
            for (int i = 0; i < values.Length; i++) values[i] = (float)(generator.NextDouble() * 255 - 120);
            using var input = tensor(values, [1, 3, 224, 224]);
            using var ours = network.PooledOutput(input);
            var onnxInput = new DenseTensor<float>(values, [1, 3, 224, 224]);
            using var outputs = session.Run([NamedOnnxValue.CreateFromTensor(inputName, onnxInput)]);
            var reference = outputs.Single().AsEnumerable<float>().ToArray();
            var mine = ours.data<float>().ToArray();
            Assert.Equal(512, reference.Length);
            double maxDiff = mine.Zip(reference, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(maxDiff < 1e-3, $"max abs difference {maxDiff}");
            Assert.True(reference.Max() > 0.1, "reference output is degenerate");
        }
    }

    [Fact]
    public void Channel_means_match_the_mean_image_of_the_preprocessing_graph()
    {
        var graph = OnnxGraph.Load(Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNetPrepOnnx", "ResNetPreprocess.onnx"));
        var mean = graph.Initializers["MeanImage"];
        Assert.Equal([1L, 3, 224, 224], mean.Dims);
        int plane = 224 * 224;
        var channelMeans = Enumerable.Range(0, 3).Select(c => mean.Values.Skip(c * plane).Take(plane).Average()).ToArray();
        // The graph concatenates B, G, R before subtracting; our constants are B 103.0626, G 115.9029, R 123.1516.
        Assert.Equal(103.0626, channelMeans[0], 3);
        Assert.Equal(115.9029, channelMeans[1], 3);
        Assert.Equal(123.1516, channelMeans[2], 3);
        Assert.Equal(["BInp", "GInp", "RInp"], graph.Nodes.Single(n => n.OpType == "Concat").Inputs);
    }

    [Fact]
    public void Feature_layers_have_the_expected_shapes_at_256()
    {
        using var network = BackboneFactory.Create(BackboneFactory.ResNet18, ["layer2", "layer3"], CPU);
        using var images = rand(2, 3, 256, 256) * 255;
        var features = network.Extract(images);
        Assert.Equal([2L, 128, 32, 32], features[0].shape);
        Assert.Equal([2L, 256, 16, 16], features[1].shape);
        Assert.Equal([128, 256], network.LayerChannels);
        foreach (var f in features) f.Dispose();
    }

    [Fact]
    public void Sizes_the_cntk_network_cannot_take_are_refused_with_the_sizes_it_can()
    {
        using var network = BackboneFactory.Create(BackboneFactory.ResNet18, ["layer2", "layer3"], CPU);
        using var odd = rand(1, 3, 100, 100) * 255; // 25 pixels reach layer2's stride-2 block: paths of 12 and 13
        var error = Assert.Throws<ArgumentException>(() => network.Extract(odd));
        Assert.Contains("multiples of 16", error.Message);
        using var fitting = rand(1, 3, 112, 112) * 255;
        var features = network.Extract(fitting);
        Assert.Equal([1L, 256, 7, 7], features[1].shape);
        foreach (var f in features) f.Dispose();
        Assert.Equal(8, ResNetBackbone.CntkSizeMultiple(["layer1", "layer2"]));
        Assert.Equal(32, ResNetBackbone.CntkSizeMultiple(["layer4"]));
    }

    [Fact]
    public void Unknown_or_misordered_layers_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ResNetBackbone.ResNet18Cntk(["layer5"]));
        Assert.Throws<ArgumentException>(() => ResNetBackbone.ResNet18Cntk(["layer3", "layer2"]));
        Assert.Throws<ArgumentException>(() => BackboneFactory.Create("vgg16", ["layer2"], CPU));
    }
}
