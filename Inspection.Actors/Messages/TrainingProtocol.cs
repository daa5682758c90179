namespace Inspection.Actors.Messages;

/// <summary>
/// Train a new model version of a line from a category folder (MVTec layout) and switch the line to it; Shards 0 means
/// as few as hold the bank within the node's shard budget (one while it fits). Settings (null: the node's) choose backbone, image size and coreset ratio. With a JobId,
/// <see cref="TrainingProgressed"/> goes to ProgressTo as the work advances and <see cref="CancelTraining"/> can stop it.
/// By names who asked (an API key's name), kept with the version.
/// </summary>
public sealed record TrainLine(string Line, string DataFolder, int Shards, LineSettings? Settings = null, string? JobId = null, Akka.Actor.IActorRef? ProgressTo = null,
    string? By = null) : ICommand;

/// <summary>Where a training job stands (stages: features, coreset, extension, calibration, storing).</summary>
public sealed record TrainingProgressed(string JobId, string Stage, long Done, long Total) : IEvent;

/// <summary>Stop the training job of that id, wherever it runs (sent to every gpu node); the line keeps its model.</summary>
public sealed record CancelTraining(string JobId) : ICommand;

/// <summary>
/// The new version is stored in every shard and active; the previous one served until this moment. HeldOutGood and
/// HeldOutDefective are the raw scores of the images it was calibrated on (empty for an extension, which keeps the
/// calibration it had).
/// </summary>
public sealed record TrainingCompleted(string Line, string Version, int TrainImages, long BankSize, int Shards, double Seconds,
    float[] HeldOutGood, float[] HeldOutDefective) : IEvent;

/// <summary>Training failed or was cancelled; the line keeps its previous model.</summary>
public sealed record TrainingFailed(string Line, string Reason, bool Cancelled = false) : IEvent;

/// <summary>
/// Add defect-free images to a trained line without retraining: their coreset-sampled patches are appended to the
/// current bank as a new version, switched to atomically once stored. Replies TrainingCompleted or TrainingFailed.
/// </summary>
public sealed record AddGoodImages(string Line, IReadOnlyList<string> Files, string? JobId = null, Akka.Actor.IActorRef? ProgressTo = null,
    string? By = null) : ICommand;

/// <summary>
/// Give a trained line's current version <paramref name="Replicas"/> copies of each shard (0: one per gpu node up now, at
/// most 2) without retraining: new replicas load their slice from the shard's journal on nodes without a sibling, and
/// the version's deployment changes only once every one holds it; replicas no longer wanted are freed a minute later.
/// Replies TrainingCompleted (no images, the same version) or TrainingFailed. Wire version 2 only.
/// </summary>
public sealed record SetReplicas(string Line, int Replicas, string? JobId = null, Akka.Actor.IActorRef? ProgressTo = null) : ICommand;

/// <summary>
/// Serve a kept version of a line again (a rollback, or a promotion of an older version) without retraining: every
/// replica of each of its shards loads its slice from the shard's journal, and the line switches only once all hold
/// it; the version it replaces is freed after the scorers' open batches. Replies TrainingCompleted (no images) or
/// TrainingFailed. By names who asked.
/// </summary>
public sealed record ActivateVersion(string Line, string Version, string? By = null, string? JobId = null, Akka.Actor.IActorRef? ProgressTo = null) : ICommand;

/// <summary>
/// Training features of a batch of good images, computed by whichever gpu node's extractor receives it, at ImageSize
/// (the height) x ImageWidth (0: square).
/// </summary>
public sealed record ExtractTrainingPatches(
    long RequestId, string Backbone, string[] Layers, string? BackboneWeights, string Precision, int ImageSize, IReadOnlyList<CapturedFrame> Images,
    int ImageWidth = 0) : ICommand
{
    public int InputWidth => ImageWidth > 0 ? ImageWidth : ImageSize;
}

/// <summary>[Images * PatchesPerImage, D] float32 features, or the errors of the images that could not be used.</summary>
public sealed record TrainingPatches(long RequestId, int Images, int PatchesPerImage, FeatureBlock? Patches, IReadOnlyList<string> Errors, string Address) : IEvent;

public sealed record GetExtractorStats : IQuery;

/// <summary>What one extractor has done: training batches served and frames extracted for inspection.</summary>
public sealed record ExtractorStats(string Address, long TrainingBatches, long Frames) : IAnswer;
