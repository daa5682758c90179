using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Inspection.Engine.Backbones;

/// <summary>Builds backbones with their pretrained weights.</summary>
public static class BackboneFactory
{
    public const string ResNet18 = "resnet18";
    public const string WideResNet50 = "wide_resnet50_2";
    /// <summary>Weights setting that keeps the random initialisation: timing runs on machines without the weights.</summary>
    public const string Untrained = "untrained";

    /// <summary>
    /// Creates <paramref name="name"/> on <paramref name="device"/>. ResNet18 needs nothing but the embedded ONNX file
    /// (converted once, then cached); Wide ResNet50-2 needs <paramref name="weightsPath"/> (torchvision layout, .safetensors
    /// or a PyTorch state_dict .pth/.pt/.bin).
    /// </summary>
    public static ResNetBackbone Create(string name, IReadOnlyList<string> layers, Device device, string? weightsPath = null, ILogger? logger = null,
        string precision = PatchCore.ComputePrecision.Float32)
    {
        logger ??= NullLogger.Instance;
        Native.LibTorchLoader.EnsureLoaded(logger: logger);
        if (weightsPath == Untrained)
        {
            logger.LogWarning("Backbone {Name} keeps random weights: timings only, no meaningful scores", name);
            var untrained = name switch
            {
                ResNet18 => ResNetBackbone.ResNet18Cntk(layers),
                WideResNet50 => ResNetBackbone.WideResNet50(layers),
                _ => throw new ArgumentException($"Unknown backbone '{name}'. Known: {ResNet18}, {WideResNet50}."),
            };
            InitialiseFromFixedSeed(untrained);
            untrained.MoveTo(device, PatchCore.ComputePrecision.ToScalarType(precision));
            return untrained;
        }
        ResNetBackbone network = name switch
        {
            ResNet18 => ResNet18Cntk(layers, weightsPath, logger),
            WideResNet50 => WideResNet(layers, weightsPath ?? throw new ArgumentException(
                $"Backbone {WideResNet50} needs a weights file (torchvision layout, .safetensors or .pth); none was given.")),
            _ => throw new ArgumentException($"Unknown backbone '{name}'. Known: {ResNet18}, {WideResNet50}."),
        };
        network.MoveTo(device, PatchCore.ComputePrecision.ToScalarType(precision));
        return network;
    }

    /// <summary>
    /// Random weights drawn from a fixed seed (He-normal for convolutions; batch-norm keeps its constant defaults), so
    /// that every process building the untrained network gets the same one: a cluster's extraction nodes and the engine
    /// then compute the same features, and pipeline scores can be compared with the engine's.
    /// </summary>
    private static void InitialiseFromFixedSeed(nn.Module network)
    {
        using var generator = new Generator(20_220_621);
        using var noGrad = no_grad();
        foreach (var (_, parameter) in network.named_parameters())
        {
            if (parameter.dim() < 2) continue;
            long fanIn = parameter.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            using var values = randn(parameter.shape, generator: generator) * Math.Sqrt(2.0 / fanIn);
            parameter.copy_(values);
        }
    }

    private static ResNetBackbone ResNet18Cntk(IReadOnlyList<string> layers, string? weightsPath, ILogger logger)
    {
        var network = ResNetBackbone.ResNet18Cntk(layers);
        if (weightsPath != null)
        {
            LoadTorchvisionWeights(network, weightsPath);
            return network;
        }
        string onnx = ResNet18OnnxImporter.DefaultOnnxPath();
        var info = new FileInfo(onnx);
        string cache = Path.Combine(InspectionPaths.CacheFolder, "weights", $"resnet18-cntk-{(info.Exists ? info.Length : 0)}.dat");
        if (File.Exists(cache))
        {
            try
            {
                network.load(cache);
                return network;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogWarning("Cached ResNet18 weights at {Cache} are unreadable ({Message}); importing again", cache, e.Message);
            }
        }
        logger.LogInformation("Importing ResNet18 ImageNet weights from {Onnx} (once; cached at {Cache})", onnx, cache);
        ResNet18OnnxImporter.Import(onnx, network);
        Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
        // Unique per call: two threads of one process (parallel tests, several nodes) may import at the same time.
        string temp = $"{cache}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        network.save(temp);
        File.Move(temp, cache, overwrite: true);
        return network;
    }

    private static ResNetBackbone WideResNet(IReadOnlyList<string> layers, string weightsPath)
    {
        var network = ResNetBackbone.WideResNet50(layers);
        LoadTorchvisionWeights(network, weightsPath);
        return network;
    }

    /// <summary>Loads a torchvision-layout state dict; extra keys (fc.*, num_batches_tracked) are ignored, missing ones are an error.</summary>
    public static void LoadTorchvisionWeights(nn.Module network, string path)
    {
        if (Directory.Exists(path)) throw new InvalidDataException($"Backbone weights file '{path}' is a folder, not a weights file.");
        if (!File.Exists(path)) throw new FileNotFoundException($"Backbone weights file '{path}' does not exist.", path);
        // The readers' own errors on a file of another kind mislead (PyBridge calls any non-zip file "the old PyTorch
        // format"), so the first bytes are looked at first.
        var head = new byte[16];
        int got;
        using (var file = File.OpenRead(path)) got = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        bool zip = got >= 4 && head.AsSpan(0, 4).SequenceEqual("PK\u0003\u0004"u8);
        // safetensors: a little-endian 64-bit header length, then the JSON header.
        bool safetensors = got >= 9 && head[8] == (byte)'{' && BitConverter.ToUInt64(head, 0) < (ulong)new FileInfo(path).Length;
        bool legacyPickle = got >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5;
        bool named = path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
        if (named && !safetensors)
            throw new InvalidDataException($"Backbone weights file '{path}' is not a safetensors file (it has no safetensors header){(zip ? "; it looks like a PyTorch .pth file: name it .pth" : "")}.");
        if (!named && !zip)
            throw new InvalidDataException(safetensors
                ? $"Backbone weights file '{path}' is a safetensors file: name it .safetensors."
                : legacyPickle
                    ? $"Backbone weights file '{path}' was saved in PyTorch's legacy format (before 1.6), which is not read: save it again with torch.save from PyTorch 1.6 or later, or as .safetensors."
                    : $"Backbone weights file '{path}' is not a PyTorch (.pth, a zip archive) or safetensors weights file.");
        var loaded = new Dictionary<string, bool>();
        try
        {
            if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                network.load_safetensors(path, strict: false, loadedParameters: loaded);
            else
                network.load_py(path, strict: false, loadedParameters: loaded);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not FileNotFoundException)
        {
            throw new InvalidDataException($"Backbone weights file '{path}' could not be read: {e.Message}", e);
        }
        var missing = network.state_dict().Keys
            .Where(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal) && !(loaded.TryGetValue(k, out var ok) && ok))
            .ToList();
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"Backbone weights file '{path}' lacks {missing.Count} tensors this network needs, for example {string.Join(", ", missing.Take(3))}.");
    }
}
