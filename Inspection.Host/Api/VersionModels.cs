namespace Inspection.Host.Api;

/// <summary>
/// One model version a line keeps. CreatedAt: when it was trained (an upload: when its file was trained); CreatedBy:
/// the API key's name that asked for it (null: made before versions were recorded, or from the command line); Source:
/// what it was made from (a folder, an upload, another version plus good images); TrainingImages: images its bank was
/// built from. Threshold and ThresholdMethod: its own calibrated threshold (the line's threshold in force is the line's,
/// which a manual policy keeps across versions); ExpectedFalseRejectRate: that threshold's, from its HeldOutGood images.
/// </summary>
public sealed record ModelVersionView(string Version, bool Active, DateTimeOffset? CreatedAt, string? CreatedBy, string? Source, int TrainingImages,
    string Backbone, string InputSize, double CoresetRatio, long BankSize, int Shards, int Replicas, float Threshold, string? ThresholdMethod,
    double? ExpectedFalseRejectRate, int HeldOutGood);

/// <summary>
/// GET /lines/{line}/models: the versions the line keeps, newest first; Keep: how many it keeps (the line's
/// keepVersions, or the default); Shadow: the version shadowing the active one (null: none).
/// </summary>
public sealed record ModelVersionsView(string Line, string? Active, int Keep, IReadOnlyList<ModelVersionView> Versions, string? Shadow = null);
