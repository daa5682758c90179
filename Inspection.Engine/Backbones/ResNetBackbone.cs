using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Inspection.Engine.Backbones;

/// <summary>
/// A ResNet trunk (stem and layer1..layer4) with torchvision parameter names. Only the layers up to the deepest one
/// requested are run. Two stems exist: torchvision's symmetric padding, and the CNTK export's asymmetric padding
/// (conv1 pads 3 at top/left and 2 at bottom/right, max-pool pads 1 at top/left only).
/// <see cref="MoveTo"/> also folds every batch norm into the convolution before it (<see cref="FoldedConvolution"/>) and
/// picks the memory layout (<see cref="ChannelsLast"/>): <see cref="Extract"/> then runs the folded network;
/// <c>forward</c> stays the module-by-module reference.
/// </summary>
public sealed class ResNetBackbone : nn.Module<Tensor, Tensor[]>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly bool _cntkPadding;
    private readonly int[] _layerIndices;
    private readonly ImageNormalisation _normalisation;
    private Device _device = CPU;
    private ScalarType _dtype = ScalarType.Float32;
    private FoldedConvolution? _foldedStem; // null until MoveTo: Extract then takes the reference path
    private bool _channelsLast;
    private readonly int _sizeMultiple; // image sides must be multiples of this (CntkSizeMultiple; 1 for torchvision padding)

    internal static readonly string[] AllLayers = ["layer1", "layer2", "layer3", "layer4"];

    public string Name { get; }
    public IReadOnlyList<string> Layers { get; }
    public IReadOnlyList<int> LayerChannels { get; }
    public Device Device => _device;

    private ResNetBackbone(string name, Func<long, long, long, nn.Module<Tensor, Tensor>> block, int[] blocks, int expansion,
        bool cntkPadding, IReadOnlyList<string> layers, ImageNormalisation normalisation) : base(name)
    {
        Name = name;
        _cntkPadding = cntkPadding;
        _normalisation = normalisation;
        conv1 = nn.Conv2d(3, 64, 7, stride: 2, padding: cntkPadding ? 0 : 3, bias: false);
        bn1 = nn.BatchNorm2d(64);
        long channels = 64;
        Sequential MakeLayer(long planes, int count, long stride)
        {
            var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
            for (int i = 0; i < count; i++)
            {
                modules.Add((i.ToString(), block(channels, planes, i == 0 ? stride : 1)));
                channels = planes * expansion;
            }
            return nn.Sequential(modules);
        }
        layer1 = MakeLayer(64, blocks[0], 1);
        layer2 = MakeLayer(128, blocks[1], 2);
        layer3 = MakeLayer(256, blocks[2], 2);
        layer4 = MakeLayer(512, blocks[3], 2);
        RegisterComponents();

        _layerIndices = layers.Select(l => Array.IndexOf(AllLayers, l)).ToArray();
        _sizeMultiple = cntkPadding ? CntkSizeMultiple(layers) : 1;
        if (_layerIndices.Length == 0 || _layerIndices.Any(i => i < 0))
            throw new ArgumentException($"Unknown feature layer in [{string.Join(", ", layers)}]; choose from {string.Join(", ", AllLayers)}.");
        if (_layerIndices.Zip(_layerIndices.Skip(1)).Any(p => p.First >= p.Second))
            throw new ArgumentException($"Feature layers must be listed shallow to deep without repeats: [{string.Join(", ", layers)}].");
        Layers = layers.ToArray();
        LayerChannels = _layerIndices.Select(i => 64 * (1 << i) * expansion).ToArray();
        eval();
    }

    /// <summary>ResNet18 as exported by CNTK (ML.NET's DnnImageFeaturizer): 2-2-2-3 basic blocks, asymmetric padding, BGR mean input.</summary>
    public static ResNetBackbone ResNet18Cntk(IReadOnlyList<string> layers) =>
        new("resnet18", (i, p, s) => new ResNetBasicBlock(i, p, s, asymmetricPadding: true), [2, 2, 2, 3], 1, true, layers,
            ImageNormalisation.CntkResNetBgrMean);

    /// <summary>torchvision's wide_resnet50_2 (3-4-6-3 bottlenecks, width x2), ImageNet mean/std input.</summary>
    public static ResNetBackbone WideResNet50(IReadOnlyList<string> layers) =>
        new("wide_resnet50_2", (i, p, s) => new ResNetBottleneck(i, p, s, width: p * 2), [3, 4, 6, 3], ResNetBottleneck.Expansion, false,
            layers, ImageNormalisation.ImageNetMeanStd);

    /// <summary>
    /// Places the network for inference and folds its batch norms, from the parameters as they are now (load weights
    /// first). The fold is taken before the number format changes, so a bf16 network rounds folded float32 weights.
    /// </summary>
    public void MoveTo(Device device, ScalarType dtype = ScalarType.Float32)
    {
        this.to(device);
        _channelsLast = ChannelsLast.Suits(device, dtype);
        _foldedStem?.Dispose();
        _foldedStem = FoldedConvolution.Fold(conv1, bn1, dtype, _channelsLast);
        foreach (var block in Blocks()) block.Fold(dtype, _channelsLast);
        this.to(dtype);
        _device = device;
        _dtype = dtype;
    }

    /// <summary>
    /// Image sides the CNTK export accepts for features up to <paramref name="layers"/>' deepest layer are multiples of
    /// this: its stride-2 blocks pad at the top/left only, so an odd input leaves the 3x3 path one pixel shorter than the
    /// 1x1 shortcut (torchvision's symmetric padding has no such limit). 1 when any size works or a name is unknown.
    /// </summary>
    public static int CntkSizeMultiple(IReadOnlyList<string> layers)
    {
        int deepest = layers.Select(l => Array.IndexOf(AllLayers, l)).DefaultIfEmpty(-1).Max();
        return deepest < 1 ? 1 : 4 << deepest;
    }

    /// <summary>Number format the weights are in (inputs are converted to it).</summary>
    public ScalarType DType => _dtype;

    public Tensor[] Extract(Tensor rgb255)
    {
        if (rgb255.dim() != 4 || rgb255.shape[2] % _sizeMultiple != 0 || rgb255.shape[3] % _sizeMultiple != 0)
            throw new ArgumentException($"{Name} takes [B, 3, H, W] images with H and W multiples of {_sizeMultiple} for layers up to " +
                $"{Layers[^1]}; got [{string.Join(", ", rgb255.shape)}].", nameof(rgb255));
        return Run(rgb255, folded: _foldedStem is not null);
    }

    /// <summary>
    /// <see cref="Extract"/> without the folded convolutions or the channels-last layout: batch norms run as modules, as
    /// in PyTorch's eval mode. For checking the folded network on a device (<c>inspection bench</c> prints the difference).
    /// </summary>
    public Tensor[] ExtractModuleByModule(Tensor rgb255) => Run(rgb255, folded: false);

    private Tensor[] Run(Tensor rgb255, bool folded)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var input = _normalisation.Apply(rgb255).to(_dtype);
        var outputs = folded ? Infer(input) : forward(input);
        foreach (var o in outputs) o.MoveToOuterDisposeScope();
        return outputs;
    }

    /// <summary>The network's global-average-pooled last layer (the ONNX graph's output), for import checks.</summary>
    public Tensor PooledOutput(Tensor normalisedInput)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = Stem(normalisedInput);
        foreach (var layer in new[] { layer1, layer2, layer3, layer4 }) x = layer.forward(x);
        return x.mean([2, 3]).MoveToOuterDisposeScope();
    }

    /// <summary>Input already normalised; returns the requested layers.</summary>
    public override Tensor[] forward(Tensor normalisedInput)
    {
        using var scope = NewDisposeScope();
        var x = Stem(normalisedInput);
        var outputs = new List<Tensor>();
        var layers = new[] { layer1, layer2, layer3, layer4 };
        int deepest = _layerIndices[^1];
        for (int i = 0; i <= deepest; i++)
        {
            x = layers[i].forward(x);
            if (_layerIndices.Contains(i)) outputs.Add(x);
        }
        foreach (var o in outputs) o.MoveToOuterDisposeScope();
        return outputs.ToArray();
    }

    /// <summary><see cref="forward"/> through the folded convolutions.</summary>
    private Tensor[] Infer(Tensor normalisedInput)
    {
        using var scope = NewDisposeScope();
        var x = _cntkPadding ? F.pad(normalisedInput, [3, 2, 3, 2]) : normalisedInput;
        if (_channelsLast) x = ChannelsLast.Apply(x);
        x = _foldedStem!.Forward(x).relu_();
        x = _cntkPadding ? F.max_pool2d(F.pad(x, [1, 0, 1, 0]), 3, 2) : F.max_pool2d(x, 3, 2, 1);
        var outputs = new List<Tensor>();
        var layers = new[] { layer1, layer2, layer3, layer4 };
        for (int i = 0; i <= _layerIndices[^1]; i++)
        {
            foreach (var (_, block) in layers[i].named_children()) x = ((IFoldedInference)block).Infer(x);
            if (_layerIndices.Contains(i)) outputs.Add(x.contiguous()); // callers get the usual NCHW layout
        }
        foreach (var o in outputs) o.MoveToOuterDisposeScope();
        return outputs.ToArray();
    }

    private IEnumerable<IFoldedInference> Blocks() =>
        new[] { layer1, layer2, layer3, layer4 }.SelectMany(layer => layer.named_children()).Select(c => (IFoldedInference)c.module);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _foldedStem?.Dispose();
        base.Dispose(disposing);
    }

    private Tensor Stem(Tensor x)
    {
        if (_cntkPadding)
        {
            x = F.relu(bn1.forward(Convolution.Apply(conv1, F.pad(x, [3, 2, 3, 2]))));
            // Zero padding equals ONNX max-pool padding here: inputs are post-ReLU, so never below zero.
            return F.max_pool2d(F.pad(x, [1, 0, 1, 0]), 3, 2);
        }
        x = F.relu(bn1.forward(Convolution.Apply(conv1, x)));
        return F.max_pool2d(x, 3, 2, 1);
    }
}
