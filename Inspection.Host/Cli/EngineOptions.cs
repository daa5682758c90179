using System.CommandLine;
using Inspection.Engine.Backbones;
using Inspection.Engine.Imaging;
using Inspection.Engine.Native;
using Inspection.Engine.PatchCore;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Inspection.Host.Cli;

/// <summary>Options shared by the commands that train or run a model.</summary>
public sealed class EngineOptions
{
    public Option<string> Device { get; } = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto (default: INSPECTION_DEVICE, else cpu).", DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ComputeDevice.DeviceVariable) ?? "cpu" }.NotBlank();
    public Option<string> Backbone { get; } = new Option<string>("--backbone") { Description = "resnet18 (embedded ImageNet weights) or wide_resnet50_2 (needs --backbone-weights).", DefaultValueFactory = _ => "resnet18" }
        .OneOf(BackboneFactory.ResNet18, BackboneFactory.WideResNet50);
    public Option<string?> BackboneWeights { get; } = new Option<string?>("--backbone-weights") { Description = "torchvision-layout weights (.safetensors or .pth); 'untrained' keeps random weights (timing runs only)." }
        .NotBlank().WeightsFile();
    public Option<string[]> Layers { get; } = new Option<string[]>("--layers") { Description = "Feature layers, shallow to deep (layer1 to layer4).", DefaultValueFactory = _ => ["layer2", "layer3"], AllowMultipleArgumentsPerToken = true }
        .EachOneOf(LayerNames).ShallowToDeep(LayerNames);
    public Option<ImageSizeChoice> ImageSize { get; } = new Option<ImageSizeChoice>("--image-size")
    {
        Description = "Input size: 256 (square), HxW such as 640x256 (height x width), or auto[:PIXELS]: the training images' median aspect " +
            "within PIXELS (default 65536, the cost of 256x256). Each side 32..2048; for resnet18 a multiple of 16 with layers up to layer3 (32 with layer4).",
        DefaultValueFactory = _ => new ImageSizeChoice(256, null),
        CustomParser = result =>
        {
            string? text = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
            if (ImageSizeProblem("--image-size", text, out var choice) is { } problem) result.AddError(problem + ".");
            return choice!;
        },
    };
    public Option<double> CoresetRatio { get; } = new Option<double>("--coreset-ratio") { Description = "Share of training patches kept in the memory bank.", DefaultValueFactory = _ => 0.1 }
        .InRange(0.0, 1.0, aboveMin: true);
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of projection and coreset.", DefaultValueFactory = _ => 0 };
    public Option<int?> ProjectionDims { get; } = new Option<int?>("--projection-dims") { Description = "Dimensions of the coreset's random projection (default: anomalib's Johnson-Lindenstrauss choice, about 300)." }
        .InRange(1, MaxProjectionDims);
    public Option<int> MinTrainImages { get; } = new Option<int>("--min-train-images") { Description = "Fewest readable training images to train on (unreadable ones are skipped with a warning).", DefaultValueFactory = _ => 1 }
        .InRange(1, MaxMinTrainImages);
    public Option<bool> HoldoutOutsideBank { get; } = new("--holdout-outside-bank") { Description = "Keep the train/good images held back for calibration out of the bank (default: they join it after calibrating)." };
    public Option<int> BatchSize { get; } = new Option<int>("--batch-size") { Description = "Images per batch (1 to 1024).", DefaultValueFactory = _ => 8 }
        .InRange(1, MaxBatch);
    public Option<bool> Verbose { get; } = new("--verbose") { Description = "Log details." };
    public Option<int> KnnBudgetMb { get; } = new Option<int>("--knn-budget-mb") { Description = "Largest distance block of the nearest-neighbour search, in MB (larger is faster on GPUs).", DefaultValueFactory = _ => 256 }
        .InRange(1, MaxKnnBudgetMb, hint: KnnBudgetHint);
    public Option<string> Precision { get; } = new Option<string>("--precision") { Description = "fp32 (default), bf16 or fp16 for backbone and kNN.", DefaultValueFactory = _ => "fp32" }
        .OneOf(Precisions);
    public Option<double?> FalseRejectRate { get; } = new Option<double?>("--false-reject-rate")
    {
        Description = "Choose the image threshold from the held-out good images alone, as the smallest whose false-reject rate is at most this " +
            "(split conformal; 0.01 needs 99 held-out good images). Default: F1 with defective calibration images, else the highest good score.",
    }.InRange(0.0, Inspection.Engine.Metrics.ConformalThreshold.LargestTarget, aboveMin: true, hint: "a share of good parts: 0.01 is 1 %");
    public Option<string?> KnnPrecision { get; } = new Option<string?>("--knn-precision") { Description = "fp32, bf16 or fp16 for the kNN alone (default: as --precision); bf16 here with an fp32 backbone keeps fp32 accuracy." }
        .OneOf(Precisions);

    /// <summary>Why <paramref name="text"/> is not an image size (a side outside 32..2048 included), or null; also for settings (ServeConfiguration).</summary>
    internal static string? ImageSizeProblem(string name, string? text, out ImageSizeChoice? choice)
    {
        choice = ImageSizeChoice.TryParse(text, out string error);
        if (choice is null) return $"{name}: {error}";
        if (!choice.IsAuto && new[] { choice.Size.Height, choice.Size.Width }.Any(side => side is < AutoImageSize.MinSide or > AutoImageSize.MaxSide))
            return $"{name} must be between {AutoImageSize.MinSide} and {AutoImageSize.MaxSide}, got {text}{(choice.Size.IsSquare ? "" : " (each side)")}";
        return null;
    }

    /// <summary>Largest batch: beyond it one batch's features alone outgrow the memory of any device this runs on.</summary>
    public const int MaxBatch = 1024;
    internal const int MaxProjectionDims = 100_000, MaxMinTrainImages = 1_000_000, MaxKnnBudgetMb = 1 << 20;
    internal const string KnnBudgetHint = "1 MB to 1 TB";
    internal static readonly string[] LayerNames = ["layer1", "layer2", "layer3", "layer4"];
    internal static readonly string[] Precisions = [ComputePrecision.Float32, ComputePrecision.BFloat16, ComputePrecision.Float16];

    /// <summary>
    /// The options of a command; training ones where it trains, and the tiling ones where it can train and score a tiled
    /// model itself (train, evaluate: the cluster and the benches inspect whole images).
    /// </summary>
    public void AddTo(Command command, bool training, bool tiling = false)
    {
        if (tiling)
        {
            command.Options.Add(Tiled);
            command.Options.Add(TileOverlap);
        }
        command.Options.Add(Device);
        command.Options.Add(BatchSize);
        command.Options.Add(KnnBudgetMb);
        command.Options.Add(Verbose);
        if (!training) return;
        foreach (var option in BackboneOptions) command.Options.Add(option);
        foreach (var option in TrainingOptions) command.Options.Add(option);
    }

    /// <summary>The options that choose a backbone and its input, for commands that run the backbone alone.</summary>
    public void AddBackboneTo(Command command)
    {
        command.Options.Add(Device);
        command.Options.Add(Verbose);
        foreach (var option in BackboneOptions) command.Options.Add(option);
    }

    private Option[] BackboneOptions => [Backbone, BackboneWeights, Layers, ImageSize, Precision];
    private Option[] TrainingOptions => [CoresetRatio, Seed, ProjectionDims, MinTrainImages, HoldoutOutsideBank, KnnPrecision, FalseRejectRate];

    public Option<bool> Tiled { get; } = new("--tiled")
    {
        Description = "Tiled inspection of large images: cut images into tiles of --image-size (not resized), train the bank on the good " +
            "images' tiles and score every tile; the image score is the highest tile's, the map the tiles' stitched.",
    };
    public Option<int> TileOverlap { get; } = new Option<int>("--tile-overlap") { Description = "Pixels neighbouring tiles share (with --tiled); overlaps are averaged in the map.", DefaultValueFactory = _ => PatchCoreSettings.DefaultTileOverlap }
        .InRange(0, 2047);

    /// <summary>The settings of the backbone options (<see cref="AddBackboneTo"/>); the rest keep their defaults.</summary>
    public PatchCoreSettings BackboneSettings(ParseResult result) => new()
    {
        Backbone = result.GetValue(Backbone)!,
        BackboneWeights = result.GetValue(BackboneWeights),
        Layers = result.GetValue(Layers)!,
        ImageSize = result.GetValue(ImageSize)!.Size,
        AutoImagePixels = result.GetValue(ImageSize)!.AutoPixels,
        Precision = result.GetValue(Precision)!,
    };

    public PatchCoreSettings Settings(ParseResult result) => BackboneSettings(result) with
    {
        CoresetRatio = result.GetValue(CoresetRatio),
        Seed = result.GetValue(Seed),
        ProjectionDimensions = result.GetValue(ProjectionDims),
        MinTrainingImages = result.GetValue(MinTrainImages),
        BankIncludesHoldout = !result.GetValue(HoldoutOutsideBank),
        BatchSize = result.GetValue(BatchSize),
        KnnPrecision = result.GetValue(KnnPrecision),
        FalseRejectTarget = result.GetValue(FalseRejectRate),
        TileOverlap = result.GetResult(Tiled) is not null && result.GetValue(Tiled) ? result.GetValue(TileOverlap) : null,
        KnnBudgetBytes = (long)result.GetValue(KnnBudgetMb) << 20,
    };

    /// <summary>Logs go to stderr so that stdout stays machine-readable (JSON lines, tables).</summary>
    public ILoggerFactory Logging(ParseResult result) => LoggerFactory.Create(b => b
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
        .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
        .AddFilter(level => level >= (result.GetValue(Verbose) ? LogLevel.Debug : LogLevel.Warning)));

    /// <summary>
    /// The device, or an <see cref="ArgumentException"/> (exit 2) when it cannot be used here: an unavailable CUDA is
    /// this run's input being unusable on this machine, not a failure of the program.
    /// </summary>
    public torch.Device ResolveDevice(ParseResult result, ILogger logger)
    {
        try
        {
            return ComputeDevice.Resolve(result.GetValue(Device), logger);
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException(e.Message, e);
        }
    }

    /// <summary>Every check of the training settings and the device, before a command does any work.</summary>
    public (PatchCoreSettings Settings, torch.Device Device) Prepare(ParseResult result, ILogger logger) => Prepare(Settings(result), result, logger);

    /// <inheritdoc cref="Prepare(ParseResult, ILogger)"/>
    public (PatchCoreSettings Settings, torch.Device Device) Prepare(PatchCoreSettings settings, ParseResult result, ILogger logger)
    {
        settings.Validate();
        // The factory says so too, but only once training has begun (after the demo generated its data).
        if (settings.Backbone == BackboneFactory.WideResNet50 && settings.BackboneWeights == null)
            throw new ArgumentException($"Backbone {settings.Backbone} needs a weights file: give {BackboneWeights.Name} (torchvision layout, .safetensors or .pth; 'untrained' for timing runs).");
        return (settings, ResolveDevice(result, logger));
    }
}
