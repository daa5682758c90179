using System.Diagnostics;
using Inspection.Engine.Backbones;
using Inspection.Engine.Imaging;
using Inspection.Engine.Metrics;
using Inspection.Engine.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;
using Inspection.Engine.Native;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// Trains PatchCore (anomalib's <c>PatchcoreModel</c> fit): extract patch features of every good image in batches,
/// project them, pick a greedy k-center coreset, keep the selected full-dimension patches as the memory bank, then
/// calibrate threshold and normalisation on held-out images.
/// </summary>
public sealed class PatchCoreTrainer(PatchCoreSettings settings, Device device, ILogger? logger = null, IProgress<TrainingProgress>? progress = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <param name="trainImages">Defect-free images for the memory bank.</param>
    /// <param name="calibrationGood">Held-out defect-free images for threshold and normalisation.</param>
    /// <param name="calibrationDefects">Optional defective images with masks (null mask: no pixel labels).</param>
    /// <param name="patchSource">Where the training features are computed; null: the local backbone.</param>
    public PatchCoreModel Train(IReadOnlyList<string> trainImages, IReadOnlyList<string> calibrationGood,
        IReadOnlyList<(string Image, string? Mask)>? calibrationDefects = null, string source = "", ITrainingPatchSource? patchSource = null)
    {
        settings.Validate();
        if (trainImages.Count == 0) throw new ArgumentException("No training images were given.");
        if (calibrationGood.Count == 0) throw new ArgumentException("No held-out good images were given for calibration.");
        var clock = Stopwatch.StartNew();
        var backbone = BackboneFactory.Create(settings.Backbone, settings.Layers, device, settings.BackboneWeights, _logger, settings.Precision);
        try
        {
            var (bank, dims, grid, patches, coresetSeconds) = BuildBank(backbone, trainImages,
                patchSource ?? new LocalPatchSource(new PatchExtractor(backbone, settings.ImageSize)));
            int rows = (int)bank.shape[0];
            var provisional = NewMetadata(backbone, dims, grid, source, trainImages.Count, patches, rows, clock.Elapsed.TotalSeconds,
                new Calibration { ImageThreshold = 0, PixelThreshold = 0, ImageMin = 0, ImageMax = 1, PixelMin = 0, PixelMax = 1, Method = "none", GoodImages = 0, DefectiveImages = 0 });
            var model = new PatchCoreModel(provisional, backbone, bank, settings.KnnBudgetBytes);
            var calibration = Calibrate(model, calibrationGood, calibrationDefects ?? []);
            var metadata = provisional with
            {
                Calibration = calibration,
                Training = provisional.Training with { Seconds = clock.Elapsed.TotalSeconds, CoresetSeconds = coresetSeconds },
            };
            return model.WithMetadata(metadata);
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    private (Tensor Bank, int Dims, int Grid, long Patches, double CoresetSeconds) BuildBank(ResNetBackbone backbone, IReadOnlyList<string> images,
        ITrainingPatchSource patchSource)
    {
        int dims = backbone.LayerChannels.Sum();
        using var spill = new PatchSpillFile(dims);
        using var projection = new RandomProjection(dims, settings.ProjectionDimensions, settings.Seed, device);
        Tensor? projected = null;
        int grid = 0;
        try
        {
            int start = 0;
            foreach (var batch in patchSource.Batches(images, settings.BatchSize))
            {
                using var perImagePatches = batch; // float32 whatever the compute precision: the bank is kept in float32
                using var scope = NewDisposeScope();
                long perImage = perImagePatches.shape[1];
                grid = (int)Math.Round(Math.Sqrt(perImage));
                var patches = perImagePatches.reshape(-1, dims).contiguous();
                projected ??= empty([images.Count * perImage, settings.ProjectionDimensions], device: device).DetachFromDisposeScope();
                projected.narrow(0, start * perImage, patches.shape[0]).copy_(projection.Apply(patches.to(device)));
                spill.Append(HostArrays.ToArray<float>(patches));
                start += (int)perImagePatches.shape[0];
                progress?.Report(new TrainingProgress("features", start, images.Count));
            }
            if (start != images.Count) throw new InvalidOperationException($"The patch source returned features for {start} of {images.Count} images.");
            long total = spill.Rows;
            long coresetSize = Math.Max(1, (long)(total * settings.CoresetRatio));
            _logger.LogInformation("Selecting a coreset of {Coreset} from {Patches} patches", coresetSize, total);
            var coresetClock = Stopwatch.StartNew();
            var selected = CoresetSampler.Select(projected!, coresetSize, settings.Seed,
                done => progress?.Report(new TrainingProgress("coreset", done, coresetSize)));
            double coresetSeconds = coresetClock.Elapsed.TotalSeconds;
            return (spill.Gather(selected), dims, grid, total, coresetSeconds);
        }
        finally
        {
            projected?.Dispose();
        }
    }

    private Calibration Calibrate(PatchCoreModel model, IReadOnlyList<string> good, IReadOnlyList<(string Image, string? Mask)> defects)
    {
        var scores = new List<float>();
        var labels = new List<bool>();
        var pixelScores = new List<float>();
        var pixelLabels = new List<bool>();
        int size = settings.ImageSize;
        var all = good.Select(g => (Image: g, Mask: (string?)null, Defective: false))
            .Concat(defects.Select(d => (d.Image, d.Mask, Defective: true))).ToList();
        for (int start = 0; start < all.Count; start += settings.BatchSize)
        {
            var chunk = all.Skip(start).Take(settings.BatchSize).ToList();
            var prepared = PreparedImage.FromFiles(chunk.Select(c => c.Image).ToList(), size);
            var result = model.Inspect(prepared);
            for (int i = 0; i < chunk.Count; i++)
            {
                scores.Add(result.ImageScores[i]);
                labels.Add(chunk[i].Defective);
                // Pixel labels exist for good images (all normal) and defects with masks.
                if (chunk[i].Defective && chunk[i].Mask == null) continue;
                var mask = chunk[i].Mask == null ? new bool[size * size] : GroundTruthMask.Load(chunk[i].Mask!, chunk[i].Image, size);
                pixelScores.AddRange(result.AnomalyMaps[i]);
                pixelLabels.AddRange(mask);
            }
            progress?.Report(new TrainingProgress("calibration", Math.Min(start + settings.BatchSize, all.Count), all.Count));
        }
        var (_, imageThreshold) = F1Score.Max(scores.ToArray(), labels.ToArray());
        var (_, pixelThreshold) = F1Score.Max(pixelScores.ToArray(), pixelLabels.ToArray());
        bool anyDefect = labels.Contains(true);
        return new Calibration
        {
            ImageThreshold = imageThreshold,
            PixelThreshold = pixelThreshold,
            ImageMin = scores.Min(),
            ImageMax = scores.Max(),
            PixelMin = pixelScores.Min(),
            PixelMax = pixelScores.Max(),
            Method = anyDefect
                ? "F1-adaptive threshold on held-out good and defective images"
                : "highest score of held-out good images (no defective images to calibrate on)",
            GoodImages = good.Count,
            DefectiveImages = defects.Count,
        };
    }

    private ModelMetadata NewMetadata(ResNetBackbone backbone, int dims, int grid, string source, int images, long patches, int bankSize,
        double seconds, Calibration calibration) => new()
    {
        Backbone = backbone.Name,
        Layers = backbone.Layers,
        BackboneWeights = settings.BackboneWeights,
        ImageSize = settings.ImageSize,
        EmbeddingDimensions = dims,
        PatchGrid = grid,
        CoresetRatio = settings.CoresetRatio,
        ProjectionDimensions = settings.ProjectionDimensions,
        Seed = settings.Seed,
        NumNeighbors = settings.NumNeighbors,
        BlurSigma = settings.BlurSigma,
        Precision = settings.Precision,
        KnnPrecision = settings.KnnPrecision,
        Calibration = calibration,
        Training = new TrainingSet { Source = source, Images = images, Patches = patches, BankSize = bankSize, TrainedAt = DateTimeOffset.UtcNow, Seconds = seconds },
    };
}
