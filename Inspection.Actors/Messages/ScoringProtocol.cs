namespace Inspection.Actors.Messages;

/// <summary>
/// A line's deployed model as the scorers need it: where its shards are (by key: ShardCount slices of the bank, each
/// held by Replicas entities on distinct nodes where the cluster has them), how many neighbours Eq. 7 reweights with,
/// and how to turn scores into verdicts. ImageSize and PatchGrid are the input's height and the grid's rows; ImageWidth
/// and PatchColumns their width (0: square, as deployments from before rectangles are). TrainingAspect: the training
/// images' median width over height (0: not known), which frames are compared with. Tiled: frames are cut into tiles of
/// the input size overlapping by TileOverlap pixels, each tile scored as a frame is, instead of resized to the input.
/// HeldOutGood: the raw scores of the held-out good images the version was calibrated on, from which the false-reject
/// rate of any threshold is estimated (<see cref="Scoring.DeploymentCalibration.ExpectedFalseRejectRate"/>); null in
/// deployments of earlier builds. ThresholdMethod: how ImageThreshold was chosen, or who set it and when.
/// Source: what the version was made from (a folder and its image count, an upload, an extension of another version);
/// CreatedBy: who asked for it (an API key's name, or the command line); both null in deployments of earlier builds.
/// Shadow: a kept version that scores a ShadowSample share (0 to 1) of the line's frames beside this one, from the same
/// patch features, its verdicts stored and compared but never sent anywhere nor changing a result; null: none.
/// </summary>
public sealed record ModelDeployment(
    string Line, string Version, int ShardCount, long BankSize, int Dimensions, int NumNeighbors,
    string Backbone, string[] Layers, string? BackboneWeights,
    int ImageSize, int PatchGrid, double BlurSigma,
    float ImageThreshold, float ImageMin, float ImageMax, float PixelThreshold, float PixelMin, float PixelMax,
    string Precision = FeatureFormats.Float32, string? KnnPrecision = null, int Replicas = 1,
    int ImageWidth = 0, int PatchColumns = 0, double TrainingAspect = 0, bool Tiled = false, int TileOverlap = 0,
    double CoresetRatio = 0, int ProjectionDimensions = 0, int Seed = 0, int TrainingImages = 0, DateTimeOffset TrainedAt = default,
    float[]? HeldOutGood = null, string? ThresholdMethod = null, string? Source = null, string? CreatedBy = null,
    ModelDeployment? Shadow = null, double ShadowSample = 0) : IAnswer
{
    /// <summary>Input width in pixels.</summary>
    public int InputWidth => ImageWidth > 0 ? ImageWidth : ImageSize;

    /// <summary>Patch columns of one frame's grid.</summary>
    public int GridColumns => PatchColumns > 0 ? PatchColumns : PatchGrid;

    public int PatchesPerFrame => PatchGrid * GridColumns;

    /// <summary>Number format of the shards' kNN products (the backbone's unless the model says otherwise).</summary>
    public string EffectiveKnnPrecision => KnnPrecision ?? Precision;

    public string ShardEntity(int index, int replica = 0) => ShardKey.Of(Line, Version, index, replica);
}

/// <summary>
/// Patch features of a batch of frames of one line: [Frames * Grid * Grid, D]. Encoded: the frames as captured, in the
/// same order, when the extractor on this node sends the batch to its scorer (which then sends remote replicas the
/// frames, not the features, where they are smaller); never written to the wire, so a batch from another node has none.
/// </summary>
public sealed record ScoreFrames(IReadOnlyList<FrameId> Frames, FeatureBlock Patches, IReadOnlyList<CapturedFrame>? Encoded = null) : ICommand;

/// <summary>
/// The outcome for one frame: scored (score, normalised score, verdict, anomaly map) or failed (Error says why, for
/// example a shard that did not answer in time). Never both, never neither. Retryable: the failure is the cluster's
/// (a shard unavailable, a model switch), not the frame's, so the line tries the frame again within its deadline.
/// The anomaly map travels only from a tile's scorer to its assembler: a frame's result reaches its line without it,
/// its images kept by the gpu node that scored it, ImagesAt naming the overlay's path there (null: none kept) and
/// ImagesBytes what they take on its disk, ImagesNotKept why the line asked for images and has none (a full disk).
/// </summary>
public sealed record InspectionResult(
    FrameId Frame, string ModelVersion, float Score, float NormalisedScore, bool Defective, string? Error, double LatencyMs,
    FeatureBlock? AnomalyMap, bool Retryable = false, string? ImagesAt = null, long ImagesBytes = 0, string? ImagesNotKept = null) : IEvent
{
    public bool Failed => Error != null;

    public static InspectionResult Failure(FrameId frame, string version, string error, double latencyMs, bool retryable = false) =>
        new(frame, version, float.NaN, float.NaN, false, error, latencyMs, null, retryable);
}
