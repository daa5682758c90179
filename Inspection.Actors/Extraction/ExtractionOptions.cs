namespace Inspection.Actors.Extraction;

/// <summary>Micro-batching of a feature extractor: a batch goes to the device when full or when its oldest frame has waited long enough.</summary>
public sealed record ExtractionOptions
{
    public int BatchSize { get; init; } = 8;
    public TimeSpan BatchDeadline { get; init; } = TimeSpan.FromMilliseconds(50);
    public string Device { get; init; } = "cpu";
    public TimeSpan ShardTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How long a batch keeps asking shards that did not answer (one restarting elsewhere) before its frames fail.</summary>
    public TimeSpan ShardRetryBudget { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Scorers ask a replica on their own node first (no features cross the network); false spreads queries by load alone.</summary>
    public bool PreferLocalReplicas { get; init; } = true;
    /// <summary>
    /// Scorers send a replica on another node the batch's encoded frames, for that node to extract, where they are fewer
    /// bytes than the patch features (see <see cref="Messages.QueryNearestOfFrames"/>); false always sends features.
    /// </summary>
    public bool ShipFrames { get; init; } = true;
    /// <summary>
    /// Most pixels of the anomaly map of a tiled frame in its result; a larger stitched map is shrunk by an integer
    /// factor (block maximum), so a result of a large image stays within the remote transport's message size.
    /// </summary>
    public long MaxMapPixels { get; init; } = 4_194_304;
    /// <summary>
    /// Where this node keeps the images of the frames it scores, for lines that ask for them
    /// (<see cref="Results.ResultImagesActor"/>); null keeps none.
    /// </summary>
    public string? ImagesFolder { get; init; }
    /// <summary>Where shadow versions' verdicts are stored (<see cref="Scoring.ShadowRecorderActor"/>); null: not stored.</summary>
    public Results.ResultStore? ShadowStore { get; init; }
    /// <summary>The node's data volumes: above their high-water mark no images are kept (null: not watched).</summary>
    public Storage.DiskGuard? Disk { get; init; }
}
