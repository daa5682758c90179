namespace Inspection.Actors.Messages;

// A line's own settings, threshold and lifetime, kept by the model registry (persisted; survives a full restart).

/// <summary>
/// How a line is trained and judged, and where its results go. Shards 0: as few as hold the bank within the shard budget (one while it fits; 4 GiB of float32 per shard).
/// Replicas: how many copies of each shard the cluster keeps on distinct gpu nodes, so that one node's loss fails no
/// frame; 0: as many as there are gpu nodes at training time, up to 2.
/// ThresholdPolicy (read through <see cref="Policy"/>) <see cref="F1Policy"/>: every new model version brings its calibrated
/// threshold, anomalib's (F1 with defective calibration images, else the highest held-out good score);
/// <see cref="FalseRejectRatePolicy"/>: every new version brings the smallest threshold whose false-reject rate is at most
/// FalseRejectTarget, from its held-out good images alone; <see cref="ManualPolicy"/>: the last threshold an operator set
/// stays in force across retraining. Webhook: an
/// http(s) URL every result is posted to; Mqtt: results are published on inspection/{line}/results.
/// ImageSize is the input's height and ImageWidth its width (0: square); AutoImagePixels above 0 means
/// <c>auto:PIXELS</c>: training chooses the size from the training images' aspect within that many pixels, and
/// ImageSize/ImageWidth are ignored. RefuseAspectMismatch: frames whose aspect is far from the training images' are
/// refused (an error result) instead of scored with a warning. Tiled: the line inspects large images in tiles of the
/// image size, overlapping by TileOverlap pixels (trained on the tiles of the good images), instead of resizing them.
/// KeepDays, KeepFlaggedDays, KeepMegabytes: the line's retention (<see cref="Results.Retention"/>); 0 each: the node's default.
/// KeepVersions: how many model versions the line keeps for rollback and shadowing, the active one included (0: <see cref="DefaultKeepVersions"/>).
/// </summary>
public sealed record LineSettings(string Backbone, int ImageSize, double CoresetRatio, int Shards, string ThresholdPolicy,
    string? Webhook = null, bool Mqtt = false, int Replicas = 0, int ImageWidth = 0, int AutoImagePixels = 0, bool RefuseAspectMismatch = false,
    bool Tiled = false, int TileOverlap = 0, double KeepDays = 0, double KeepFlaggedDays = 0, long KeepMegabytes = 0, double FalseRejectTarget = 0,
    int KeepVersions = 0)
{
    /// <summary>Versions kept, the active one included.</summary>
    public int VersionsKept => KeepVersions > 0 ? KeepVersions : DefaultKeepVersions;

    public const int DefaultKeepVersions = 5;
    public const int MaxKeepVersions = 100;

    public int InputWidth => ImageWidth > 0 ? ImageWidth : ImageSize;

    /// <summary>The threshold policy by its current name: journals of earlier builds say "calibrated" for <see cref="F1Policy"/>.</summary>
    public string Policy => ThresholdPolicy == CalibratedPolicy ? F1Policy : ThresholdPolicy;

    /// <summary>The false-reject rate training must meet, when the policy asks for one; null otherwise.</summary>
    public double? TrainingFalseRejectTarget => Policy == FalseRejectRatePolicy ? FalseRejectTarget : null;

    public const string F1Policy = "f1";
    public const string FalseRejectRatePolicy = "false-reject-rate";
    public const string ManualPolicy = "manual";
    /// <summary>The name earlier builds wrote for <see cref="F1Policy"/>; still accepted.</summary>
    public const string CalibratedPolicy = "calibrated";
    public static readonly IReadOnlyList<string> Policies = [F1Policy, FalseRejectRatePolicy, ManualPolicy];
    /// <summary>The target a false-reject-rate policy gets when none is given.</summary>
    public const double DefaultFalseRejectTarget = 0.01;
    public static LineSettings Default { get; } = new(FeatureFormats.ResNet18, 256, 0.1, 0, F1Policy);
}

/// <summary>Create a line or change its settings; replied to (and persisted) as <see cref="LineConfigured"/>.</summary>
public sealed record ConfigureLine(string Line, LineSettings Settings) : ICommand;

public sealed record LineConfigured(string Line, LineSettings Settings) : IEvent;

/// <summary>Remove a line: it serves no model and is no longer listed; its version numbers are never issued again.</summary>
public sealed record DeleteLine(string Line) : ICommand;

/// <summary>Reply to <see cref="DeleteLine"/>, persisted and published on the deployments topic.</summary>
public sealed record LineDeleted(string Line, bool Existed) : IEvent;

/// <summary>Set the image-score threshold of a trained line's current model; By names who did it.</summary>
public sealed record SetThreshold(string Line, float Score, string By) : ICommand;

/// <summary>A threshold change as persisted: the reply to <see cref="SetThreshold"/> (else <see cref="NoDeployment"/>).</summary>
public sealed record ThresholdSet(string Line, float Score, string By, DateTimeOffset At) : IEvent;

public sealed record GetLine(string Line) : IQuery;

/// <summary>Everything the registry knows of one line; Known false: there is no such line.</summary>
public sealed record LineDetails(string Line, bool Known, LineSettings Settings, ModelDeployment? Deployment, IReadOnlyList<ThresholdSet> Thresholds) : IAnswer;
