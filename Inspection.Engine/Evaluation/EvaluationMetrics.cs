namespace Inspection.Engine.Evaluation;

/// <summary>
/// Threshold-free metrics (AUROC, AUPRO, F1-max: the figures papers report) and the F1 of the model's own calibrated
/// verdicts (what a line would see in operation). NaN where a metric is undefined, e.g. a test set with one class.
/// </summary>
public sealed record EvaluationMetrics(
    double ImageAuroc, double PixelAuroc, double PixelAupro, double ImageF1Max, double ImageF1AtCalibratedThreshold,
    int GoodImages, int DefectiveImages, int PixelLabelledImages);
