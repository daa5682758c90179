using System.Diagnostics;
using Inspection.Engine.Data;
using Inspection.Engine.Imaging;
using Inspection.Engine.Metrics;
using Inspection.Engine.PatchCore;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Inspection.Engine.Evaluation;

/// <summary>
/// Trains on a category's train/good (calibrating on validation/good, or on a share of train/good held back from the
/// bank and added to it afterwards: <see cref="TrainingSplit"/>), scores every test image and computes the metrics. Test
/// defects are never used for calibration, so the verdict F1 is honest. Unreadable test images are reported and left
/// out of the metrics; the others are still scored.
/// </summary>
public sealed class PatchCoreEvaluator(PatchCoreSettings settings, Device device, ILogger? logger = null, IProgress<TrainingProgress>? progress = null)
{
    /// <summary>Called for each scored test image with its anomaly map (the input's height x width), e.g. to render heatmaps.</summary>
    public Action<TestImage, float[], Extent>? OnMap { get; init; }

    /// <summary>Use this many train/good images, evenly spaced (as the reference's <c>--train-limit</c>); null: all.</summary>
    public int? TrainLimit { get; init; }

    private readonly ILogger _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public (EvaluationResult Result, PatchCoreModel Model) Run(string dataFolder)
    {
        var category = MvtecCategory.Open(dataFolder, requireTest: true);
        var split = TrainingSplit.Of(category, settings, TrainLimit);
        var clock = Stopwatch.StartNew();
        var trainer = new PatchCoreTrainer(settings, device, logger, progress);
        var model = trainer.Train(split, null, category.Root);
        double trainSeconds = clock.Elapsed.TotalSeconds;
        try
        {
            return (Score(category, model, trainSeconds, model.Metadata.Training.CoresetSeconds, model.Metadata.Training.Images, split.Calibration.Count), model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private EvaluationResult Score(MvtecCategory category, PatchCoreModel model, double trainSeconds, double coresetSeconds, int trainCount, int calibrationCount)
    {
        var images = new List<ScoredImage>();
        var maps = new List<float[]>();
        var masks = new List<bool[]>();
        var mapSizes = new List<Extent>();
        double inferenceMs = 0;
        var totals = new StageTimings(0, 0, 0, 0);
        var (readable, unreadable) = ImageScreening.Screen(category.Test.Select(t => t.Path).ToList());
        foreach (var bad in unreadable) _logger.LogWarning("Skipping test image: {Reason}", bad.Reason);
        var usable = readable.ToHashSet();
        var test = category.Test.Where(t => usable.Contains(t.Path)).ToList();
        if (test.Count == 0) throw new DatasetException($"None of the {category.Test.Count} test images of '{category.Root}' is readable.");
        int done = 0;
        foreach (var (files, timings) in FileScoring.Score(model, test.Select(t => t.Path).ToList(), settings.BatchSize))
        {
            inferenceMs += timings.Total;
            totals = new StageTimings(totals.Backbone + timings.Backbone, totals.Embedding + timings.Embedding,
                totals.Knn + timings.Knn, totals.Map + timings.Map);
            foreach (var file in files)
            {
                var t = test[done++];
                float score = file.Score;
                images.Add(new ScoredImage(t.Path, t.DefectType, t.IsDefective, score, model.Metadata.Calibration.NormaliseImage(score),
                    score > model.Metadata.Calibration.ImageThreshold));
                OnMap?.Invoke(t, file.Map, file.MapSize);
                if (t.IsDefective && t.MaskPath == null) continue; // no pixel labels for this image
                masks.Add(t.MaskPath == null ? new bool[file.MapSize.Area] : GroundTruthMask.Load(t.MaskPath, t.Path, file.MapSize));
                maps.Add(file.Map);
                mapSizes.Add(file.MapSize);
            }
            progress?.Report(new TrainingProgress("test", done, test.Count));
        }

        var scores = images.Select(i => i.Score).ToArray();
        var labels = images.Select(i => i.Defective).ToArray();
        var allPixels = maps.SelectMany(m => m).ToArray();
        var allMasks = masks.SelectMany(m => m).ToArray();
        var verdictF1 = F1AtVerdicts(images);
        var metrics = new EvaluationMetrics(
            Auroc.Compute(scores, labels),
            allPixels.Length > 0 ? Auroc.Compute(allPixels, allMasks) : double.NaN,
            maps.Count > 0 ? Aupro.Compute(maps, masks, mapSizes.Select(s => (s.Width, s.Height)).ToList()) : double.NaN,
            F1Score.Max(scores, labels).F1,
            verdictF1,
            images.Count(i => !i.Defective), images.Count(i => i.Defective), maps.Count);
        var roc = RocCurve.Compute(scores, labels);
        return new EvaluationResult(category.Root, metrics, images, trainSeconds, coresetSeconds,
            inferenceMs / Math.Max(1, images.Count), totals, (roc.Fpr, roc.Tpr), model.BankSize,
            model.Metadata.Training.Patches, trainCount, calibrationCount, unreadable);
    }

    private static double F1AtVerdicts(IReadOnlyList<ScoredImage> images)
    {
        int tp = images.Count(i => i.Defective && i.Flagged);
        int fp = images.Count(i => !i.Defective && i.Flagged);
        int fn = images.Count(i => i.Defective && !i.Flagged);
        if (tp + fn == 0) return double.NaN; // no defective image: F1 is undefined, like the other metrics
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }
}
