using System.CommandLine;
using Inspection.Engine.Native;
using Inspection.Engine.PatchCore;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Inspection.Host.Cli;

/// <summary>Options shared by the commands that train or run a model.</summary>
public sealed class EngineOptions
{
    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda, cuda:N or auto (default: INSPECTION_DEVICE, else cpu).", DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ComputeDevice.DeviceVariable) ?? "cpu" };
    public Option<string> Backbone { get; } = new("--backbone") { Description = "resnet18 (embedded ImageNet weights) or wide_resnet50_2 (needs --backbone-weights).", DefaultValueFactory = _ => "resnet18" };
    public Option<string?> BackboneWeights { get; } = new("--backbone-weights") { Description = "torchvision-layout weights (.safetensors or .pth); 'untrained' keeps random weights (timing runs only)." };
    public Option<string[]> Layers { get; } = new("--layers") { Description = "Feature layers, shallow to deep.", DefaultValueFactory = _ => ["layer2", "layer3"], AllowMultipleArgumentsPerToken = true };
    public Option<int> ImageSize { get; } = new("--image-size") { Description = "Input size (square); for resnet18 a multiple of 16 with layers up to layer3 (32 with layer4).", DefaultValueFactory = _ => 256 };
    public Option<double> CoresetRatio { get; } = new("--coreset-ratio") { Description = "Share of training patches kept in the memory bank.", DefaultValueFactory = _ => 0.1 };
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of projection and coreset.", DefaultValueFactory = _ => 0 };
    public Option<int?> ProjectionDims { get; } = new("--projection-dims") { Description = "Dimensions of the coreset's random projection (default: anomalib's Johnson-Lindenstrauss choice, about 300)." };
    public Option<int> MinTrainImages { get; } = new("--min-train-images") { Description = "Fewest readable training images to train on (unreadable ones are skipped with a warning).", DefaultValueFactory = _ => 1 };
    public Option<bool> HoldoutOutsideBank { get; } = new("--holdout-outside-bank") { Description = "Keep the train/good images held back for calibration out of the bank (default: they join it after calibrating)." };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Images per batch.", DefaultValueFactory = _ => 8 };
    public Option<bool> Verbose { get; } = new("--verbose") { Description = "Log details." };
    public Option<int> KnnBudgetMb { get; } = new("--knn-budget-mb") { Description = "Largest distance block of the nearest-neighbour search, in MB (larger is faster on GPUs).", DefaultValueFactory = _ => 256 };
    public Option<string> Precision { get; } = new("--precision") { Description = "fp32 (default), bf16 or fp16 for backbone and kNN.", DefaultValueFactory = _ => "fp32" };
    public Option<string?> KnnPrecision { get; } = new("--knn-precision") { Description = "fp32, bf16 or fp16 for the kNN alone (default: as --precision); bf16 here with an fp32 backbone keeps fp32 accuracy." };

    public void AddTo(Command command, bool training)
    {
        command.Options.Add(Device);
        command.Options.Add(BatchSize);
        command.Options.Add(KnnBudgetMb);
        command.Options.Add(Verbose);
        if (!training) return;
        command.Options.Add(Backbone);
        command.Options.Add(BackboneWeights);
        command.Options.Add(Layers);
        command.Options.Add(ImageSize);
        command.Options.Add(CoresetRatio);
        command.Options.Add(Seed);
        command.Options.Add(ProjectionDims);
        command.Options.Add(MinTrainImages);
        command.Options.Add(HoldoutOutsideBank);
        command.Options.Add(Precision);
        command.Options.Add(KnnPrecision);
    }

    public PatchCoreSettings Settings(ParseResult result) => new()
    {
        Backbone = result.GetValue(Backbone)!,
        BackboneWeights = result.GetValue(BackboneWeights),
        Layers = result.GetValue(Layers)!,
        ImageSize = result.GetValue(ImageSize),
        CoresetRatio = result.GetValue(CoresetRatio),
        Seed = result.GetValue(Seed),
        ProjectionDimensions = result.GetValue(ProjectionDims),
        MinTrainingImages = result.GetValue(MinTrainImages),
        BankIncludesHoldout = !result.GetValue(HoldoutOutsideBank),
        BatchSize = result.GetValue(BatchSize),
        Precision = result.GetValue(Precision)!,
        KnnPrecision = result.GetValue(KnnPrecision),
        KnnBudgetBytes = (long)result.GetValue(KnnBudgetMb) << 20,
    };

    /// <summary>Logs go to stderr so that stdout stays machine-readable (JSON lines, tables).</summary>
    public ILoggerFactory Logging(ParseResult result) => LoggerFactory.Create(b => b
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
        .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
        .AddFilter(level => level >= (result.GetValue(Verbose) ? LogLevel.Debug : LogLevel.Warning)));

    public torch.Device ResolveDevice(ParseResult result, ILogger logger) => ComputeDevice.Resolve(result.GetValue(Device), logger);
}
