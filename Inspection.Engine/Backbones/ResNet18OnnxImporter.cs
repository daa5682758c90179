using TorchSharp;
using static TorchSharp.torch;

namespace Inspection.Engine.Backbones;

/// <summary>
/// Imports the ImageNet ResNet18 weights from the ONNX file in the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18
/// (a CNTK export, opset 8) into <see cref="ResNetBackbone.ResNet18Cntk"/>. The graph lists each convolution followed by
/// its batch norm, in network order, with a transition block's 1x1 downsample convolution first; we walk it in that order
/// and check every shape, so a different graph fails loudly instead of loading wrong weights.
/// </summary>
public static class ResNet18OnnxImporter
{
    /// <summary>Relative path of the ONNX file inside the build output (copied from the NuGet package).</summary>
    public const string RelativeOnnxPath = "DnnImageModels/ResNet18Onnx/ResNet18.onnx";

    /// <summary>Parameter prefixes in the order their convolutions appear in the ONNX graph.</summary>
    public static IReadOnlyList<(string Conv, string Norm)> GraphOrder { get; } = BuildOrder();

    private static List<(string, string)> BuildOrder()
    {
        var order = new List<(string, string)> { ("conv1", "bn1") };
        int[] blocks = [2, 2, 2, 3];
        for (int layer = 1; layer <= 4; layer++)
        {
            for (int b = 0; b < blocks[layer - 1]; b++)
            {
                string p = $"layer{layer}.{b}";
                if (layer > 1 && b == 0) order.Add(($"{p}.downsample.0", $"{p}.downsample.1"));
                order.Add(($"{p}.conv1", $"{p}.bn1"));
                order.Add(($"{p}.conv2", $"{p}.bn2"));
            }
        }
        return order;
    }

    public static string DefaultOnnxPath() => Path.Combine(AppContext.BaseDirectory, RelativeOnnxPath);

    /// <summary>Copies the ONNX weights into <paramref name="network"/> (which must be a ResNet18Cntk trunk).</summary>
    public static void Import(string onnxPath, ResNetBackbone network)
    {
        if (!File.Exists(onnxPath))
            throw new FileNotFoundException(
                $"The ResNet18 ONNX file is missing at '{onnxPath}'. It ships in the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18; rebuild to restore it.",
                onnxPath);
        var graph = OnnxGraph.Load(onnxPath);
        var convs = graph.Nodes.Where(n => n.OpType == "Conv").ToList();
        if (convs.Count != GraphOrder.Count)
            throw new InvalidDataException($"'{onnxPath}' has {convs.Count} convolutions; the CNTK ResNet18 has {GraphOrder.Count}.");

        var parameters = network.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var buffers = network.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        using var noGrad = no_grad();
        for (int i = 0; i < convs.Count; i++)
        {
            var (convName, normName) = GraphOrder[i];
            var conv = convs[i];
            Copy(graph, conv.Inputs[1], parameters[$"{convName}.weight"], $"{convName}.weight");
            var norm = graph.Nodes.SingleOrDefault(n => n.OpType == "BatchNormalization" && n.Inputs[0] == conv.Outputs[0])
                ?? throw new InvalidDataException($"Convolution {conv.Name} in '{onnxPath}' has no batch norm after it.");
            Copy(graph, norm.Inputs[1], parameters[$"{normName}.weight"], $"{normName}.weight");
            Copy(graph, norm.Inputs[2], parameters[$"{normName}.bias"], $"{normName}.bias");
            Copy(graph, norm.Inputs[3], buffers[$"{normName}.running_mean"], $"{normName}.running_mean");
            Copy(graph, norm.Inputs[4], buffers[$"{normName}.running_var"], $"{normName}.running_var");
        }
    }

    private static void Copy(OnnxGraph graph, string initializer, Tensor target, string targetName)
    {
        if (!graph.Initializers.TryGetValue(initializer, out var source))
            throw new InvalidDataException($"ONNX initialiser '{initializer}' for {targetName} is missing.");
        if (!source.Dims.SequenceEqual(target.shape))
            throw new InvalidDataException(
                $"ONNX initialiser '{initializer}' has shape [{string.Join(",", source.Dims)}] but {targetName} needs [{string.Join(",", target.shape)}].");
        using var values = tensor(source.Values, target.shape);
        target.copy_(values);
    }
}
