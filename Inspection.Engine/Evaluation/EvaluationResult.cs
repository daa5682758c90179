using Inspection.Engine.PatchCore;

namespace Inspection.Engine.Evaluation;

/// <summary>Everything an evaluation produced: metrics, per-image outcomes, timings and ROC points for plots.</summary>
public sealed record EvaluationResult(
    string Dataset,
    EvaluationMetrics Metrics,
    IReadOnlyList<ScoredImage> Images,
    double TrainSeconds,
    double CoresetSeconds,
    double InferenceMsPerImage,
    StageTimings StageTotals,
    (double[] Fpr, double[] Tpr) ImageRoc,
    int BankSize,
    long TrainingPatches,
    int TrainingImages,
    int CalibrationImages,
    IReadOnlyList<Imaging.ImageScreening.Unreadable> UnreadableTestImages);
