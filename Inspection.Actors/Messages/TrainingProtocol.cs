namespace Inspection.Actors.Messages;

/// <summary>
/// Train a new model version of a line from a category folder (MVTec layout) and switch the line to it; Shards 0 means
/// one shard per gpu node.
/// </summary>
public sealed record TrainLine(string Line, string DataFolder, int Shards);

/// <summary>The new version is stored in every shard and active; the previous one served until this moment.</summary>
public sealed record TrainingCompleted(string Line, string Version, int TrainImages, long BankSize, int Shards, double Seconds);

/// <summary>Training failed; the line keeps its previous model.</summary>
public sealed record TrainingFailed(string Line, string Reason);

/// <summary>
/// Add defect-free images to a trained line without retraining: their coreset-sampled patches are appended to the
/// current bank as a new version, switched to atomically once stored. Replies TrainingCompleted or TrainingFailed.
/// </summary>
public sealed record AddGoodImages(string Line, IReadOnlyList<string> Files);
