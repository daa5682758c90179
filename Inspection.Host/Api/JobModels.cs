namespace Inspection.Host.Api;

/// <summary>POST /lines/{line}/training with JSON: an MVTec-layout folder on the server, under a configured root.</summary>
public sealed record TrainingRequest(string? Folder);

/// <summary>202 answer of a job: its id and where to follow it.</summary>
public sealed record JobAccepted(string JobId, string Location);

/// <summary>
/// Calibration of the version a job made: image threshold, the normalisation range, and the raw scores of the held-out
/// good and defective images it was calibrated on (empty after adding good images, which keeps the calibration).
/// ExpectedFalseRejectRate: the share of good parts the threshold in force is expected to reject (guaranteed under the
/// false-reject-rate policy); Method: how it was chosen.
/// </summary>
public sealed record CalibrationView(float ImageThreshold, float ImageMin, float ImageMax, float PixelThreshold,
    IReadOnlyList<float> HeldOutGood, IReadOnlyList<float> HeldOutDefective, double? ExpectedFalseRejectRate = null, string? Method = null);

/// <summary>
/// A training or good-images job. State: queued, running, succeeded, failed or cancelled. Progress 0 to 1 over the
/// stages (features, coreset, extension, calibration, storing); EtaSeconds from the pace so far.
/// </summary>
public sealed record JobView(
    string Id, string Line, string Kind, string State, string? Stage, double Progress, long ImagesEmbedded, long ImagesTotal,
    long CoresetSteps, long CoresetTotal, double? EtaSeconds, string? Version, long? BankSize, CalibrationView? Calibration,
    string? Error, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt);
