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
