using System.Diagnostics;
using Inspection.Engine.Backbones;
using Inspection.Engine.Data;
using Inspection.Engine.Imaging;
using Inspection.Engine.Metrics;
using Inspection.Engine.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;
using Inspection.Engine.Native;
using Inspection.Engine.Sampling;
using Inspection.Engine.Tiling;

namespace Inspection.Engine.PatchCore;

/// <summary>
/// Trains PatchCore (anomalib's <c>PatchcoreModel</c> fit): extract patch features of every good image in batches,
/// project them, pick a greedy k-center coreset, keep the selected full-dimension patches as the memory bank, then
/// calibrate threshold and normalisation on images the bank does not hold, and (when those were held back from
/// train/good) add their patches to the bank afterwards (<see cref="TrainingSplit"/>, <see cref="MemoryBankExtension"/>).
/// Unreadable images are skipped with a warning naming each; too few readable ones, or a bank too small to score
/// anything, end training with a clear error.
/// </summary>
public sealed class PatchCoreTrainer(PatchCoreSettings settings, Device device, ILogger? logger = null, IProgress<TrainingProgress>? progress = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>Bank vectors below which a model is refused: Eq. 7 reweights with num_neighbors of them.</summary>
    public int MinimumBankSize => settings.NumNeighbors + 1;

    /// <summary>Bank vectors below which a model gets a prominent warning: too few to describe normal variation.</summary>
    public const int SmallBankWarning = 1000;

    /// <summary>Trains on <paramref name="images"/> with the calibration images neither in the bank nor added to it.</summary>
    public PatchCoreModel Train(IReadOnlyList<string> images, IReadOnlyList<string> calibrationGood,
        IReadOnlyList<(string Image, string? Mask)>? calibrationDefects = null, string source = "", ITrainingPatchSource? patchSource = null) =>
        Train(new TrainingSplit(images, calibrationGood, false), calibrationDefects, source, patchSource);

    /// <param name="split">Bank and calibration images.</param>
    /// <param name="calibrationDefects">Optional defective images with masks (null mask: no pixel labels).</param>
    /// <param name="patchSource">Where the training features are computed; null: the local backbone.</param>
    public PatchCoreModel Train(TrainingSplit split, IReadOnlyList<(string Image, string? Mask)>? calibrationDefects = null, string source = "",
        ITrainingPatchSource? patchSource = null)
    {
        settings.Validate();
        var clock = Stopwatch.StartNew();
        var (bankImages, calibrationGood) = (Readable(split.Bank, "training"), Readable(split.Calibration, "calibration"));
        if (bankImages.Count == 0) throw new DatasetException("No readable training images remain for the memory bank.");
        if (calibrationGood.Count == 0) throw new DatasetException("No readable held-out good images remain to calibrate the threshold.");
        // Refused before the bank is built, not after minutes of work: the count alone decides whether the target can be met.
        if (settings.FalseRejectTarget is double target) ConformalThreshold.Require(calibrationGood.Count, target);
        var aspects = AutoImageSize.AspectsOf(bankImages);
        settings = settings.WithImageSizeFor(aspects);
        if (settings.AutoImagePixels != null)
            _logger.LogInformation("Image size auto: {Size} (height x width) for the training images' median aspect {Aspect:0.###} within {Pixels} pixels",
                settings.ImageSize, AutoImageSize.Median(aspects), settings.AutoImagePixels);
        int total = bankImages.Count + (split.CalibrationJoinsBank ? calibrationGood.Count : 0);
        if (total < settings.MinTrainingImages)
            throw new DatasetException($"Only {total} readable training images remain; at least {settings.MinTrainingImages} are required " +
                "(the minimum is a setting: --min-train-images).");
        var backbone = BackboneFactory.Create(settings.Backbone, settings.Layers, device, settings.BackboneWeights, _logger, settings.Precision);
        PatchCoreModel? model = null; // owns the backbone once built
        try
        {
            patchSource ??= settings.TileOverlap is int overlap ? new TiledPatchSource(backbone, overlap) : new LocalPatchSource(backbone);
            var built = BuildBank(backbone, bankImages, patchSource);
            var provisional = NewMetadata(backbone, built, source, bankImages.Count, built.Patches, (int)built.Bank.shape[0], clock.Elapsed.TotalSeconds,
                new Calibration { ImageThreshold = 0, PixelThreshold = 0, ImageMin = 0, ImageMax = 1, PixelMin = 0, PixelMax = 1, Method = "none", GoodImages = 0, DefectiveImages = 0 });
            model = new PatchCoreModel(provisional, backbone, built.Bank, settings.KnnBudgetBytes);
            using var projectedBank = built.ProjectedBank;
            using var projection = built.Projection;
            var calibration = Calibrate(model, calibrationGood, calibrationDefects ?? [], split.CalibrationJoinsBank);
            int images = bankImages.Count;
            long patches = built.Patches;
            if (split.CalibrationJoinsBank)
            {
                var (extended, added) = AddToBank(model, calibrationGood, patchSource, projection, projectedBank);
                model = extended;
                images += calibrationGood.Count;
                patches += added;
            }
            var metadata = model.Metadata with
            {
                Calibration = calibration,
                Training = model.Metadata.Training with
                {
                    Images = images, Patches = patches, BankSize = model.BankSize,
                    Seconds = clock.Elapsed.TotalSeconds, CoresetSeconds = built.CoresetSeconds,
                    Aspect = aspects.Count > 0 ? AutoImageSize.Median(aspects) : null,
                },
            };
            CheckUsable(model.BankSize, calibration);
            return model.WithMetadata(metadata);
        }
        catch
        {
            if (model is not null) model.Dispose();
            else backbone.Dispose();
            throw;
        }
    }

    private sealed record BuiltBank(Tensor Bank, RandomProjection Projection, Tensor ProjectedBank, int Dims, Extent Grid, long Patches, double CoresetSeconds);

    /// <summary>The readable images; each unreadable one is logged with its reason and left out.</summary>
    private List<string> Readable(IReadOnlyList<string> images, string role)
    {
        var (readable, unreadable) = ImageScreening.Screen(images);
        foreach (var bad in unreadable) _logger.LogWarning("Skipping {Role} image: {Reason}", role, bad.Reason);
        if (unreadable.Count > 0)
            _logger.LogWarning("{Skipped} of {Count} {Role} images are unreadable and were skipped", unreadable.Count, images.Count, role);
        return readable.ToList();
    }

    private BuiltBank BuildBank(ResNetBackbone backbone, IReadOnlyList<string> images, ITrainingPatchSource patchSource)
    {
        int dims = backbone.LayerChannels.Sum();
        using var spill = new PatchSpillFile(dims);
        RandomProjection? projection = null;
        Tensor? projected = null;
        var grid = settings.PatchGrid;
        long items = patchSource.Items(images, settings.ImageSize); // the images, or their tiles
        try
        {
            int start = 0;
            foreach (var batch in patchSource.Batches(images, settings.BatchSize, settings.ImageSize))
            {
                using var perImagePatches = batch; // float32 whatever the compute precision: the bank is kept in float32
                using var scope = NewDisposeScope();
                long perImage = perImagePatches.shape[1];
                if (perImage != grid.Area)
                    throw new InvalidOperationException($"The patch source returned {perImage} patches an image; a {settings.ImageSize} input has {grid} = {grid.Area}.");
                var patches = perImagePatches.reshape(-1, dims).contiguous();
                if (projection is null)
                {
                    // The projection's dimensions follow the number of patches (anomalib's Johnson-Lindenstrauss rule).
                    int projectedDims = settings.ProjectionDimensionsFor(items * perImage, dims);
                    projection = new RandomProjection(dims, projectedDims, settings.Seed, device);
                    projected = empty([items * perImage, projectedDims], device: device).DetachFromDisposeScope();
                }
                projected!.narrow(0, start * perImage, patches.shape[0]).copy_(projection.Apply(patches.to(device)));
                spill.Append(HostArrays.ToArray<float>(patches));
                start += (int)perImagePatches.shape[0];
                progress?.Report(new TrainingProgress("features", start, items));
            }
            if (start != items) throw new InvalidOperationException($"The patch source returned features for {start} of {items} images (or tiles).");
            long total = spill.Rows;
            long coresetSize = Math.Max(1, (long)(total * settings.CoresetRatio));
            if (coresetSize < MinimumBankSize)
                throw new DatasetException($"The memory bank would hold {coresetSize} vectors ({total} patches x coreset ratio {settings.CoresetRatio}), " +
                    $"too few for the image score, which weighs the {settings.NumNeighbors} nearest of them: use more training images, " +
                    "a larger image size or a larger coreset ratio.");
            _logger.LogInformation("Selecting a coreset of {Coreset} from {Patches} patches ({Dims}-d projection)", coresetSize, total, projection!.OutputDimensions);
            var coresetClock = Stopwatch.StartNew();
            // A ratio of 1 keeps every patch: no selection to make.
            var selected = coresetSize == total
                ? Enumerable.Range(0, (int)total).Select(i => (long)i).ToArray()
                : CoresetSampler.Select(projected!, coresetSize, settings.Seed, done => progress?.Report(new TrainingProgress("coreset", done, coresetSize)));
            double coresetSeconds = coresetClock.Elapsed.TotalSeconds;
            Tensor projectedBank;
            using (var index = tensor(selected, device: device)) projectedBank = projected!.index_select(0, index).DetachFromDisposeScope();
            return new BuiltBank(spill.Gather(selected), projection, projectedBank, dims, grid, total, coresetSeconds);
        }
        catch
        {
            projection?.Dispose();
            throw;
        }
        finally
        {
            projected?.Dispose();
        }
    }

    /// <summary>The model with the greedy continuation's share of the new images' patches appended to its bank.</summary>
    private (PatchCoreModel Model, long Patches) AddToBank(PatchCoreModel model, IReadOnlyList<string> images, ITrainingPatchSource patchSource,
        RandomProjection projection, Tensor projectedBank)
    {
        using var scope = NewDisposeScope();
        int dims = model.Metadata.EmbeddingDimensions;
        var patches = cat(patchSource.Batches(images, settings.BatchSize, settings.ImageSize).Select(b => b.reshape(-1, dims)).ToList(), 0).to(device);
        long count = Math.Max(1, (long)(patches.shape[0] * settings.CoresetRatio));
        var selected = MemoryBankExtension.Select(projectedBank, projection.Apply(patches), count, settings.KnnBudgetBytes,
            done => progress?.Report(new TrainingProgress("extension", done, count)));
        using var index = tensor(selected, device: device);
        var bank = cat([model.Bank, patches.index_select(0, index)], 0);
        return (model.WithBank(bank.MoveToOuterDisposeScope()), patches.shape[0]);
    }

    /// <summary>Refuses a model that cannot flag anything; warns about one that will be unreliable.</summary>
    private void CheckUsable(int bankSize, Calibration calibration)
    {
        if (!(calibration.ImageThreshold > 0) || !float.IsFinite(calibration.ImageThreshold))
            throw new DatasetException($"Calibration gave an image threshold of {calibration.ImageThreshold}: the held-out good images score " +
                "nothing, so the model could not tell a defect from a good part. Use more varied training images or a larger image size.");
        if (bankSize < SmallBankWarning)
            _logger.LogWarning("The memory bank holds only {Bank} vectors: too few to describe normal variation, so scores will be unreliable. " +
                "Use more training images, a larger image size or a larger coreset ratio", bankSize);
    }

    private Calibration Calibrate(PatchCoreModel model, IReadOnlyList<string> good, IReadOnlyList<(string Image, string? Mask)> defects, bool joinBank)
    {
        var scores = new List<float>();
        var labels = new List<bool>();
        var pixelScores = new List<float>();
        var pixelLabels = new List<bool>();
        var all = good.Select(g => (Image: g, Mask: (string?)null, Defective: false))
            .Concat(defects.Select(d => (d.Image, d.Mask, Defective: true))).ToList();
        int done = 0;
        foreach (var (files, _) in FileScoring.Score(model, all.Select(c => c.Image).ToList(), settings.BatchSize))
        {
            foreach (var file in files)
            {
                var item = all[done++];
                scores.Add(file.Score);
                labels.Add(item.Defective);
                // Pixel labels exist for good images (all normal) and defects with masks.
                if (item.Defective && item.Mask == null) continue;
                var mask = item.Mask == null ? new bool[file.MapSize.Area] : GroundTruthMask.Load(item.Mask, item.Image, file.MapSize);
                pixelScores.AddRange(file.Map);
                pixelLabels.AddRange(mask);
            }
            progress?.Report(new TrainingProgress("calibration", done, all.Count));
        }
        var (_, pixelThreshold) = F1Score.Max(pixelScores.ToArray(), pixelLabels.ToArray());
        float[] goodScores = [.. scores.Where((_, i) => !labels[i])];
        var (imageThreshold, method) = ImageThreshold(scores, labels, goodScores);
        string heldOut = joinBank ? "held back from the bank while calibrating, then added to it" : "not in the bank";
        return new Calibration
        {
            ImageThreshold = imageThreshold,
            PixelThreshold = pixelThreshold,
            ImageMin = scores.Min(),
            ImageMax = scores.Max(),
            PixelMin = pixelScores.Min(),
            PixelMax = pixelScores.Max(),
            Method = method + $"; the good images were {heldOut}",
            GoodImages = good.Count,
            DefectiveImages = defects.Count,
            ExpectedFalseRejectRate = ConformalThreshold.RateAt(imageThreshold, goodScores),
            GoodScores = goodScores,
            DefectiveScores = [.. scores.Where((_, i) => labels[i])],
        };
    }

    /// <summary>The image threshold by the settings' policy (<see cref="PatchCoreSettings.FalseRejectTarget"/>), and how it was chosen.</summary>
    private (float Threshold, string Method) ImageThreshold(List<float> scores, List<bool> labels, float[] goodScores)
    {
        if (settings.FalseRejectTarget is double target)
        {
            var (threshold, rank, promised) = ConformalThreshold.Choose(goodScores, target);
            return (threshold, $"false-reject rate at most {target:0.####} ({promised:0.####} promised): rank {rank} of the {goodScores.Length} " +
                "held-out good image scores, ascending (split conformal)");
        }
        var (_, f1Threshold) = F1Score.Max(scores.ToArray(), labels.ToArray());
        return (f1Threshold, labels.Contains(true)
            ? "F1-adaptive threshold on held-out good and defective images"
            : "highest score of held-out good images (no defective images to calibrate on)");
    }

    private ModelMetadata NewMetadata(ResNetBackbone backbone, BuiltBank built, string source, int images, long patches, int bankSize,
        double seconds, Calibration calibration) => new()
    {
        Backbone = backbone.Name,
        Layers = backbone.Layers,
        BackboneWeights = settings.BackboneWeights,
        ImageSize = settings.ImageSize,
        AutoImagePixels = settings.AutoImagePixels,
        TileOverlap = settings.TileOverlap,
        EmbeddingDimensions = built.Dims,
        PatchGrid = built.Grid,
        CoresetRatio = settings.CoresetRatio,
        ProjectionDimensions = (int)built.Projection.OutputDimensions,
        Seed = settings.Seed,
        NumNeighbors = settings.NumNeighbors,
        BlurSigma = settings.BlurSigma,
        Precision = settings.Precision,
        KnnPrecision = settings.KnnPrecision,
        Calibration = calibration,
        Training = new TrainingSet { Source = source, Images = images, Patches = patches, BankSize = bankSize, TrainedAt = DateTimeOffset.UtcNow, Seconds = seconds },
    };
}
