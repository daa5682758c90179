namespace Inspection.Host.Api;

/// <summary>
/// PUT /lines/{line}: the settings to change; absent ones keep their value (or the default for a new line). Webhook:
/// an http(s) URL each result is posted to ("" removes it); Mqtt: publish results on inspection/{line}/results.
/// Replicas: copies of each shard on distinct gpu nodes (0: one per gpu node, at most 2, grown as gpu nodes join). On a
/// trained line a new replica count applies at once, without a retrain, as a job named in activeJob; the other settings
/// apply at the next training. ImageSize: a number (256, square) or a string: "640x256" (height x width), "auto" or
/// "auto:PIXELS" (the training images' median aspect within PIXELS, default 65536). RefuseAspectMismatch: frames whose
/// aspect is far from the training images' get an error result instead of a score with a warning. Tiled: large images
/// are cut into tiles of the image size (not resized), overlapping by TileOverlap pixels (default 32), for training and
/// for every frame; a frame's score is its worst tile's and its map the tiles' maps stitched. KeepDays, KeepFlaggedDays,
/// KeepMegabytes: the line's retention (passing results, flagged ones, and the size of all with their images); 0: the
/// server's default. They apply at once. ThresholdPolicy: "f1" (anomalib's: F1 with defective calibration images, else
/// the highest held-out good score; "calibrated" is its earlier name), "false-reject-rate" (the smallest threshold whose
/// false-reject rate on good parts is at most FalseRejectTarget, default 0.01, from held-out good images alone; training
/// is refused, naming how many good images it needs, when there are too few) or "manual" (the operator's threshold
/// stays across retraining); it applies at the next training. KeepVersions: how many model versions the line keeps for
/// rollback, the active one included (0: the default, 5): those most recently served; the banks of the others are deleted.
/// </summary>
public sealed record LineSettingsRequest(string? Backbone, System.Text.Json.JsonElement? ImageSize, double? CoresetRatio, int? Shards, string? ThresholdPolicy,
    string? Webhook, bool? Mqtt, int? Replicas = null, bool? RefuseAspectMismatch = null, bool? Tiled = null, int? TileOverlap = null,
    double? KeepDays = null, double? KeepFlaggedDays = null, long? KeepMegabytes = null, double? FalseRejectTarget = null,
    int? KeepVersions = null);

/// <summary>
/// A line's settings. Shards 0: as few as hold the bank within 4 GiB each (one while it fits). Replicas 0: one per gpu node, at most 2 (a line
/// gets a replica on a gpu node that joins after its training). ThresholdPolicy: f1, false-reject-rate (with its
/// FalseRejectTarget; null under the other policies) or manual. ImageSize as
/// asked: "256", "640x256" (height x width) or "auto:65536"; the trained model's input is the line's InputSize (a tiled
/// line's tile). TileOverlap: null unless Tiled. KeepDays, KeepFlaggedDays, KeepMegabytes: the line's own retention
/// (0: the server's default; what applies is in the line's storage). KeepVersions: model versions kept, the active one included.
/// </summary>
public sealed record LineSettingsView(string Backbone, string ImageSize, double CoresetRatio, int Shards, string ThresholdPolicy, string? Webhook, bool Mqtt,
    int Replicas, bool RefuseAspectMismatch, bool Tiled = false, int? TileOverlap = null, double KeepDays = 0, double KeepFlaggedDays = 0, long KeepMegabytes = 0,
    double? FalseRejectTarget = null, int KeepVersions = Inspection.Actors.Messages.LineSettings.DefaultKeepVersions);

/// <summary>
/// What the line keeps and under which limits: the retention in force (its own settings, else the server's), the
/// results kept and the bytes they take (images on the gpu nodes and rows), and what retention removed since its
/// sweeper (a cluster singleton on an ingest node) started. MeasuredAt: when retention last measured it (null: counted now, before its first step).
/// </summary>
public sealed record LineStorageView(double KeepDays, double KeepFlaggedDays, long KeepMegabytes, long KeptResults, long KeptBytes, long RemovedResults,
    long RemovedBytes, DateTimeOffset? MeasuredAt);

/// <summary>
/// The image-score threshold in force: Score on the model's scale, Source "model" (its calibration) or "operator",
/// with who set it and when. ExpectedFalseRejectRate: the share of good parts it is expected to reject, from the
/// model's held-out good images (guaranteed when the false-reject-rate policy chose it; null for a model trained before
/// this was kept). Method: how the model chose it, or who set it.
/// </summary>
public sealed record ThresholdView(float Score, string Source, string? SetBy, DateTimeOffset? SetAt, double? ExpectedFalseRejectRate = null, string? Method = null);

/// <summary>Frames of a line: accepted (each gets one result), scored, failed, dropped (refused when full), flagged, in flight.</summary>
public sealed record LineCountersView(long Accepted, long Scored, long Failed, long Dropped, long Flagged, int InFlight);

/// <summary>Reviewed results: false alarms (flagged, reviewed good), misses (passed, reviewed defect), confirmed defects.</summary>
public sealed record LineReviewsView(long Reviewed, long FalseAlarms, long Misses, long ConfirmedDefects);

/// <summary>
/// One line. ModelVersion is null until the line is trained; Shards, Replicas, InputSize (height x width) and Tiled are its model's; Counters null when
/// no ingest node answered; Storage what it keeps (<see cref="LineStorageView"/>); Shadow: the version shadowing the active one (null: none).
/// </summary>
public sealed record LineView(
    string Name, LineSettingsView Settings, string? ModelVersion, long BankSize, int Shards, ThresholdView? Threshold,
    LineCountersView? Counters, LineReviewsView? Reviews, string? ActiveJob, int Replicas, string? InputSize = null, bool Tiled = false,
    LineStorageView? Storage = null, LineShadowView? Shadow = null);

/// <summary>The line's shadow (GET /lines/{line}/shadow has its flips): its version, the share of frames it scores, its agreement so far.</summary>
public sealed record LineShadowView(string Version, double Sample, ShadowAgreementView? Agreement);

/// <summary>PUT /lines/{line}/threshold: exactly one of Score (the model's scale) or Normalised (0 to 1, 0.5 the current threshold).</summary>
public sealed record ThresholdRequest(float? Score, float? Normalised);

/// <summary>
/// A line's results over the last Minutes: frames (every stored result), passed, failed (flagged), errors; FailRate is
/// failed over scored frames (null before any); FramesPerSecond is frames over the whole window; latency percentiles of
/// the window's results (null when it has none).
/// </summary>
public sealed record SummaryWindowView(int Minutes, long Frames, long Passed, long Failed, long Errors, double? FailRate, double FramesPerSecond,
    double? P50LatencyMs, double? P99LatencyMs);

/// <summary>One recent result, for a line's score sparkline and last verdicts.</summary>
public sealed record RecentScoreView(string Id, string Verdict, double? Score, double? NormalisedScore, DateTimeOffset CompletedAt);

/// <summary>GET /lines/{line}/summary: the line's model and threshold, its 1, 5 and 60 minute windows and its last results (oldest first).</summary>
public sealed record LineSummaryView(string Line, string? ModelVersion, float? Threshold, DateTimeOffset At, IReadOnlyList<SummaryWindowView> Windows,
    IReadOnlyList<RecentScoreView> Recent);

/// <summary>
/// GET /lines/{line}/threshold/preview?score=x: what a threshold of Candidate would change against the Current one. Over
/// the line's Recent last scored frames: how many are flagged now and would be, and how many would flip. Over its
/// Reviewed frames: how many would flip, and how many verdicts agree with the operators' labels now and would.
/// RecentScores are the recent frames' scores (newest first), for a histogram. False-reject rates, now and at the
/// candidate: Expected from the model's held-out good images (null for a model trained before they were kept), and Live
/// among the frames operators reviewed as good (ReviewedGood of them; null before any), the rejected share of them.
/// Operators review flagged frames more often than passing ones, so the live rate leans high until passing frames are
/// reviewed too.
/// </summary>
public sealed record ThresholdPreviewView(float Current, float Candidate, int Recent, int RecentFlaggedNow, int RecentFlaggedAtCandidate,
    int RecentFlips, int Reviewed, int ReviewedFlips, int ReviewedAgreeNow, int ReviewedAgreeAtCandidate, IReadOnlyList<double> RecentScores,
    double? ExpectedFalseRejectRateNow = null, double? ExpectedFalseRejectRateAtCandidate = null, int ReviewedGood = 0,
    double? LiveFalseRejectRateNow = null, double? LiveFalseRejectRateAtCandidate = null);
